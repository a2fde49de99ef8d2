"""Shared files over REST and WebSocket, on the embedded default (data directory) and across
two gateways on PostgreSQL with an S3-compatible store (moto's server): upload, thumbnails,
messages carrying files, signed links, the chat's file list, refusals, deletes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from e2e_api import API, Json, assert_error, bearer, direct_chat, expect, history, new_users
from e2e_deployments import DEPLOYMENTS, Doors, open_doors, running_deployment
from e2e_server import ServerProcess
from PIL import Image

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def gateways(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    yield from running_deployment(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
async def doors(gateways: tuple[ServerProcess, ServerProcess]) -> AsyncIterator[Doors]:
    async for opened in open_doors(gateways):
        yield opened


def png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


async def upload(
    http: httpx.AsyncClient, token: str, chat_id: str, name: str, data: bytes, kind: str
) -> httpx.Response:
    return await http.post(
        f"{API}/chats/{chat_id}/files", files={"file": (name, data, kind)}, headers=bearer(token)
    )


async def test_an_image_is_shared_with_a_thumbnail_and_signed_links(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    bob_ws = await doors.b.ws(bob_token)
    image = png()

    uploaded = expect(
        await upload(doors.a.http, alice_token, chat["id"], "sunset.png", image, "image/png"), 201
    )
    assert (uploaded["content_type"], uploaded["size"]) == ("image/png", len(image))
    assert (uploaded["width"], uploaded["height"]) == (800, 600)
    assert uploaded["thumbnail_url"] is not None and uploaded["message_id"] is None

    sent = expect(
        await doors.a.http.post(
            f"{API}/chats/{chat['id']}/messages",
            json={"text": "", "file_ids": [uploaded["id"]]},
            headers=bearer(alice_token),
        ),
        201,
    )
    live = (await bob_ws.recv("new_message"))["message"]
    assert [f["id"] for f in live["files"]] == [uploaded["id"]]
    assert live["files"][0]["message_id"] == sent["id"]

    # Bob downloads through the other gateway with the links he was given.
    [in_history] = (await history(doors.b.http, bob_token, chat["id"]))["messages"]
    link = in_history["files"][0]
    original = await doors.b.http.get(link["url"])
    thumbnail = await doors.b.http.get(link["thumbnail_url"])
    assert original.status_code == 200 and original.content == image
    assert original.headers["content-type"] == "image/png"
    assert original.headers["x-content-type-options"] == "nosniff"
    assert thumbnail.status_code == 200
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 320

    listed = expect(
        await doors.b.http.get(f"{API}/chats/{chat['id']}/files", headers=bearer(bob_token)), 200
    )
    assert [f["id"] for f in listed["files"]] == [uploaded["id"]]
    assert listed["has_more"] is False


async def test_links_are_signed_and_expire(doors: Doors) -> None:
    (_alice, alice_token), (bob, _) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    uploaded = expect(
        await upload(doors.a.http, alice_token, chat["id"], "a.txt", b"hello", "text/plain"), 201
    )
    parts = urlsplit(uploaded["url"])
    query = parse_qs(parts.query)

    forged = await doors.a.http.get(parts.path, params={"exp": query["exp"][0], "sig": "0" * 32})
    expired = await doors.a.http.get(parts.path, params={"exp": "1000", "sig": query["sig"][0]})
    other_file = await doors.a.http.get(
        parts.path.replace(uploaded["id"], bob["id"]), params={k: v[0] for k, v in query.items()}
    )

    assert assert_error(forged, 403)["code"] == "invalid_file_link"
    assert assert_error(expired, 403)["code"] == "invalid_file_link"  # the signature covers exp
    assert assert_error(other_file, 403)["code"] == "invalid_file_link"
    assert (await doors.a.http.get(uploaded["url"])).content == b"hello"


async def test_bad_uploads_are_refused_and_store_nothing(doors: Doors) -> None:
    (_alice, alice_token), (bob, _), (_, eve_token) = await new_users(doors.a.http, 3)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    zip_bytes = b"PK\x03\x04" + b"\x00" * 100

    lying_name = await upload(
        doors.a.http, alice_token, chat["id"], "cat.png", zip_bytes, "image/png"
    )
    lying_type = await upload(doors.a.http, alice_token, chat["id"], "x", png(10, 10), "image/jpeg")
    text_as_image = await upload(
        doors.a.http, alice_token, chat["id"], "a.jpg", b"hi", "image/jpeg"
    )
    empty = await upload(doors.a.http, alice_token, chat["id"], "empty.txt", b"", "text/plain")
    outsider = await upload(doors.a.http, eve_token, chat["id"], "a.txt", b"hi", "text/plain")
    too_big = await upload(
        doors.a.http, alice_token, chat["id"], "big.bin", b"\x00" * (10 * 1024 * 1024 + 1), "x/y"
    )

    for refused in (lying_name, lying_type, text_as_image):
        assert assert_error(refused, 422)["code"] == "file_type_mismatch"
    assert assert_error(empty, 422)["code"] == "empty_file"
    assert_error(outsider, 403)
    assert too_big.status_code == 413
    listed = expect(
        await doors.a.http.get(f"{API}/chats/{chat['id']}/files", headers=bearer(alice_token)), 200
    )
    assert listed["files"] == []


async def test_unknown_types_are_stored_as_they_are(doors: Doors) -> None:
    (_alice, alice_token), (bob, _) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])

    text_file = await upload(doors.a.http, alice_token, chat["id"], "notes", b"plain words", "")
    binary = await upload(doors.a.http, alice_token, chat["id"], "blob.dat", b"\x00\x01\xff", "")

    assert expect(text_file, 201)["content_type"] == "text/plain"
    assert expect(binary, 201)["content_type"] == "application/octet-stream"


async def test_files_are_sent_only_once_only_by_their_uploader_in_their_chat(
    doors: Doors,
) -> None:
    (_alice, alice_token), (bob, bob_token), (carol, _) = await new_users(doors.a.http, 3)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    elsewhere = await direct_chat(doors.a.http, alice_token, carol["id"])
    uploaded = expect(
        await upload(doors.a.http, alice_token, chat["id"], "a.txt", b"one", "text/plain"), 201
    )

    async def send(token: str, chat_id: str) -> httpx.Response:
        return await doors.a.http.post(
            f"{API}/chats/{chat_id}/messages",
            json={"text": "see file", "file_ids": [uploaded["id"]]},
            headers=bearer(token),
        )

    assert assert_error(await send(bob_token, chat["id"]), 422)["code"] == "invalid_file_ids"
    assert assert_error(await send(alice_token, elsewhere["id"]), 422)["code"] == "invalid_file_ids"
    assert (await send(alice_token, chat["id"])).status_code == 201
    assert assert_error(await send(alice_token, chat["id"]), 422)["code"] == "invalid_file_ids"
    no_text_no_file = await doors.a.http.post(
        f"{API}/chats/{chat['id']}/messages", json={"text": " "}, headers=bearer(alice_token)
    )
    assert_error(no_text_no_file, 422)


async def test_deleting_the_message_deletes_its_files(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    uploaded = expect(
        await upload(doors.a.http, alice_token, chat["id"], "p.png", png(50, 50), "image/png"), 201
    )
    sent: Json = expect(
        await doors.a.http.post(
            f"{API}/chats/{chat['id']}/messages",
            json={"text": "pic", "file_ids": [uploaded["id"]]},
            headers=bearer(alice_token),
        ),
        201,
    )
    url, thumb = sent["files"][0]["url"], sent["files"][0]["thumbnail_url"]
    assert (await doors.b.http.get(url)).status_code == 200

    expect(
        await doors.b.http.delete(
            f"{API}/chats/{chat['id']}/messages/{sent['id']}", headers=bearer(alice_token)
        ),
        204,
    )

    assert assert_error(await doors.a.http.get(url), 404)["code"] == "file_not_found"
    assert (await doors.b.http.get(thumb)).status_code == 404
    listed = expect(
        await doors.a.http.get(f"{API}/chats/{chat['id']}/files", headers=bearer(bob_token)), 200
    )
    assert listed["files"] == []
    [tombstone] = (await history(doors.a.http, bob_token, chat["id"]))["messages"]
    assert (tombstone["deleted"], tombstone["files"]) == (True, [])

"""Accounts: register, login, JWT, users."""

from __future__ import annotations

import uuid

import httpx
import pytest
from e2e_api import (
    API,
    PASSWORD,
    PUBLIC_USER_FIELDS,
    assert_error,
    assert_timestamp,
    assert_uuid,
    bearer,
    expect,
    login,
    new_user,
    register,
    unique,
)
from e2e_jwt import decode, forged_tokens

pytestmark = pytest.mark.timeout(60)

REGISTER = f"{API}/auth/register"
LOGIN = f"{API}/auth/login"
PROFILE_FIELDS = {"id", "username", "display_name", "online", "last_seen_at"}


async def test_register_returns_the_new_user(http: httpx.AsyncClient) -> None:
    username = unique("Reg")
    payload = {
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@example.org",
        "display_name": "Reg Ular",
    }
    body = expect(await http.post(REGISTER, json=payload), 201)
    assert {"id", "username", "display_name", "created_at"} <= body.keys()
    assert_uuid(body["id"])
    assert body["username"] == username
    assert body["display_name"] == "Reg Ular"
    assert_timestamp(body["created_at"])
    assert not any("password" in key for key in body), body
    assert PASSWORD not in str(body)


async def test_username_is_unique_case_insensitively(http: httpx.AsyncClient) -> None:
    username = unique("Case")
    await register(http, username)
    for taken in (username, username.upper(), username.lower()):
        resp = await http.post(REGISTER, json={"username": taken, "password": PASSWORD})
        assert_error(resp, 409)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "x" * 51),
        ("username", "has space"),
        ("username", "bang!"),
        ("username", ""),
        ("password", "seven77"),
        ("password", "p" * 129),
        ("password", ""),
    ],
)
async def test_invalid_registration_is_422_naming_the_field(
    http: httpx.AsyncClient, field: str, value: str
) -> None:
    payload = {"username": unique(), "password": PASSWORD, field: value}
    assert_error(await http.post(REGISTER, json=payload), 422, field=field)


@pytest.mark.parametrize("missing", ["username", "password"])
async def test_missing_registration_field_is_422(http: httpx.AsyncClient, missing: str) -> None:
    payload = {"username": unique(), "password": PASSWORD}
    del payload[missing]
    assert_error(await http.post(REGISTER, json=payload), 422, field=missing)


async def test_boundary_usernames_and_passwords_are_accepted(http: httpx.AsyncClient) -> None:
    hex_id = uuid.uuid4().hex
    for username, password in [
        (hex_id[:3], "p" * 8),
        (("a.b-c_" + hex_id)[:50].ljust(50, "z"), "p" * 128),
    ]:
        user = await register(http, username, password)
        assert user["username"] == username
        await login(http, username, password)


async def test_login_returns_a_bearer_jwt(http: httpx.AsyncClient) -> None:
    username = unique("Login")
    user = await register(http, username, email=f"{username}@example.org")
    body = await login(http, username)
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert {key: body["user"][key] for key in PUBLIC_USER_FIELDS} == {
        key: user[key] for key in PUBLIC_USER_FIELDS
    }
    header, claims = decode(body["token"])
    assert header["alg"] == "HS256"
    assert claims["sub"] == claims["user_id"] == user["id"]
    assert claims["username"] == username
    assert abs(claims["exp"] - claims["iat"] - 86400) <= 1
    me = expect(await http.get(f"{API}/users/me", headers=bearer(body["token"])), 200)
    assert me["id"] == user["id"]

    by_email = {"email": f"{username}@example.org", "password": PASSWORD}
    assert expect(await http.post(LOGIN, json=by_email), 200)["user"]["id"] == user["id"]


async def test_bad_credentials_get_the_same_401(http: httpx.AsyncClient) -> None:
    user = await register(http)
    wrong_password = await http.post(
        LOGIN, json={"username": user["username"], "password": "wrong-password"}
    )
    unknown_user = await http.post(LOGIN, json={"username": unique(), "password": PASSWORD})
    assert_error(wrong_password, 401)
    assert_error(unknown_user, 401)
    assert wrong_password.json() == unknown_user.json()


@pytest.mark.parametrize("body", [b'{"username": "x", ', b"not json"])
async def test_malformed_json_is_400(http: httpx.AsyncClient, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    assert_error(await http.post(REGISTER, content=body, headers=headers), 400)
    assert_error(await http.post(LOGIN, content=body, headers=headers), 400)


async def test_malformed_json_on_an_authenticated_route_is_400(http: httpx.AsyncClient) -> None:
    _, token = await new_user(http)
    headers = {**bearer(token), "Content-Type": "application/json"}
    assert_error(await http.post(f"{API}/chats", content=b"{oops", headers=headers), 400)


async def test_missing_or_forged_tokens_are_401(http: httpx.AsyncClient) -> None:
    _, token = await new_user(http)
    assert_error(await http.get(f"{API}/users/me"), 401)
    assert_error(await http.get(f"{API}/users/me", headers={"Authorization": token}), 401)
    for name, forged in forged_tokens(token).items():
        resp = await http.get(f"{API}/users/me", headers=bearer(forged))
        assert resp.status_code == 401, f"{name} token: {resp.status_code} {resp.text}"
        assert_error(resp, 401)


async def test_me_and_user_by_id(http: httpx.AsyncClient) -> None:
    (alice, alice_token), (bob, _) = [await new_user(http), await new_user(http)]
    me = expect(await http.get(f"{API}/users/me", headers=bearer(alice_token)), 200)
    assert me.keys() >= PROFILE_FIELDS
    assert (me["id"], me["username"]) == (alice["id"], alice["username"])
    other = expect(await http.get(f"{API}/users/{bob['id']}", headers=bearer(alice_token)), 200)
    assert other.keys() >= PROFILE_FIELDS
    assert (other["id"], other["username"]) == (bob["id"], bob["username"])
    assert other["online"] is False
    unknown = await http.get(f"{API}/users/{uuid.uuid4()}", headers=bearer(alice_token))
    assert_error(unknown, 404)


async def test_user_search_is_a_username_prefix_search(http: httpx.AsyncClient) -> None:
    prefix = f"srch{uuid.uuid4().hex[:8]}"
    first = await register(http, f"{prefix}_one")
    second = await register(http, f"{prefix}_two")
    await register(http, f"x{prefix}_three")
    _, token = await new_user(http)
    found = expect(
        await http.get(f"{API}/users", params={"query": prefix}, headers=bearer(token)), 200
    )
    assert {user["id"] for user in found["users"]} == {first["id"], second["id"]}
    limited = expect(
        await http.get(f"{API}/users", params={"query": prefix, "limit": 1}, headers=bearer(token)),
        200,
    )
    assert len(limited["users"]) == 1


async def test_patch_me_changes_the_display_name(http: httpx.AsyncClient) -> None:
    user, token = await new_user(http)
    resp = await http.patch(
        f"{API}/users/me", json={"display_name": "New Name"}, headers=bearer(token)
    )
    assert resp.status_code in (200, 204), resp.text
    me = expect(await http.get(f"{API}/users/me", headers=bearer(token)), 200)
    assert me["display_name"] == "New Name"
    _, other_token = await new_user(http)
    seen = expect(await http.get(f"{API}/users/{user['id']}", headers=bearer(other_token)), 200)
    assert seen["display_name"] == "New Name"


async def test_discoverable_is_off_by_default_and_set_on_ones_own_profile(
    http: httpx.AsyncClient,
) -> None:
    (alice, alice_token), (bob, _) = [await new_user(http), await new_user(http)]
    me = expect(await http.get(f"{API}/users/me", headers=bearer(alice_token)), 200)
    assert me["discoverable"] is False

    on = await http.patch(
        f"{API}/users/me", json={"discoverable": True}, headers=bearer(alice_token)
    )
    assert expect(on, 200)["discoverable"] is True
    me = expect(await http.get(f"{API}/users/me", headers=bearer(alice_token)), 200)
    assert me["discoverable"] is True
    assert me["display_name"] == alice["display_name"]
    # others never see whether someone opted in
    other = expect(await http.get(f"{API}/users/{alice['id']}", headers=bearer(alice_token)), 200)
    assert "discoverable" not in other
    for bad in ("yes", 1, None):
        wrong = await http.patch(
            f"{API}/users/me", json={"discoverable": bad}, headers=bearer(alice_token)
        )
        if bad is None:  # null means "leave as it is"
            assert expect(wrong, 200)["discoverable"] is True
        else:
            assert_error(wrong, 422)
    assert bob["id"] != alice["id"]

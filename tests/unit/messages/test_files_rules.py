"""Files: the type comes from the content (one rule for files that lie), signed links."""

import io

import pytest
from PIL import Image

from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.file_types import check_claims, detect
from hubbub.kernel.errors import Forbidden, Invalid
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format=kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (b"%PDF-1.7\n" + b"0" * 50, "application/pdf"),
        ("plain words, ünïcode".encode(), "text/plain"),
        (b"\x00\x01\x02garbage", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes(data: bytes, expected: str) -> None:
    assert detect(data).content_type == expected


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (image_bytes("PNG"), "a.png", "image/png"),
        (image_bytes("JPEG"), "a.JPG", "image/jpg"),
        (image_bytes("PNG"), "no-extension", None),
        (image_bytes("PNG"), "a.png", "application/octet-stream"),
        (b"# title", "readme.md", "text/markdown"),
        (b"a,b", "t.csv", "text/csv"),
        (b"words", "x.unknownext", ""),
    ],
)
def test_honest_files_pass(data: bytes, name: str, declared: str | None) -> None:
    check_claims(detect(data), name, declared)


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "cat.png", None),
        (image_bytes("PNG"), "a.jpg", None),
        (image_bytes("PNG"), "a", "image/jpeg"),
        (b"just text", "photo.jpeg", None),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "notes.txt", "text/plain"),
    ],
)
def test_files_that_lie_are_refused(data: bytes, name: str, declared: str | None) -> None:
    with pytest.raises(Invalid) as refused:
        check_claims(detect(data), name, declared)
    assert refused.value.code == "file_type_mismatch"


def test_links_verify_and_expire(clock: FixedClock) -> None:
    links = FileLinks(secret="s" * 40, ttl_seconds=60, clock=clock)
    file_id = new_id()
    url = links.url(file_id, "thumbnail")
    expires = int(url.split("exp=")[1].split("&")[0])
    signature = url.split("sig=")[1]

    links.check(file_id, "thumbnail", expires, signature)
    with pytest.raises(Forbidden):
        links.check(file_id, "original", expires, signature)  # another variant
    with pytest.raises(Forbidden):
        links.check(new_id(), "thumbnail", expires, signature)  # another file
    other_key = FileLinks(secret="t" * 40, ttl_seconds=60, clock=clock)
    with pytest.raises(Forbidden):
        other_key.check(file_id, "thumbnail", expires, signature)
    clock.advance(61)
    with pytest.raises(Forbidden) as late:
        links.check(file_id, "thumbnail", expires, signature)
    assert late.value.code == "file_link_expired"


@pytest.mark.parametrize("forged", ["+äÔÌÎ®8·ÿ\U000f1677é", "", "\udcff" * 8, "0" * 200])
def test_a_forged_signature_of_any_characters_is_forbidden(clock: FixedClock, forged: str) -> None:
    links = FileLinks(secret="s" * 40, ttl_seconds=60, clock=clock)
    with pytest.raises(Forbidden) as refused:
        links.check(new_id(), "original", 10**9, forged)
    assert refused.value.code == "invalid_file_link"

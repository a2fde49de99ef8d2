"""The BlobStore contract, run over the data-directory adapter and the S3 adapter against a
real S3-compatible server (moto's server mode)."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hubbub.infra.blobs import LocalBlobStore, S3BlobStore, S3Settings, blob_store_from
from hubbub.kernel.ports import BlobStore
from s3_server import running_s3_server


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with running_s3_server() as endpoint:
        yield endpoint


def s3_settings(endpoint: str) -> S3Settings:
    return S3Settings(endpoint_url=endpoint, access_key_id="test", secret_access_key="test")


@pytest.fixture(params=["file", "s3"])
async def blobs(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[BlobStore]:
    store: BlobStore
    if request.param == "file":
        store = LocalBlobStore(tmp_path / "files")
    else:
        store = S3BlobStore(f"hubbub-{uuid.uuid4().hex[:10]}", s3_settings(s3_endpoint))
    try:
        yield store
    finally:
        await store.close()


async def test_put_then_get_returns_the_same_bytes(blobs: BlobStore) -> None:
    data = bytes(range(256)) * 1000

    await blobs.put("ab/cd/one", data, "application/octet-stream")

    assert await blobs.get("ab/cd/one") == data


async def test_put_replaces_and_delete_forgets(blobs: BlobStore) -> None:
    await blobs.put("k1", b"old", "text/plain")
    await blobs.put("k1", b"new", "text/plain")
    assert await blobs.get("k1") == b"new"

    await blobs.delete("k1")
    await blobs.delete("k1")  # twice: nothing happens

    assert await blobs.get("k1") is None


async def test_an_unknown_key_is_none(blobs: BlobStore) -> None:
    assert await blobs.get("never-written") is None


async def test_empty_blobs_are_kept(blobs: BlobStore) -> None:
    await blobs.put("empty", b"", "application/octet-stream")
    assert await blobs.get("empty") == b""


async def test_ping(blobs: BlobStore) -> None:
    assert await blobs.ping() is True


async def test_local_keys_cannot_leave_the_directory(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "files")
    for bad in ("../etc/passwd", "/abs", "a/../../b", ""):
        with pytest.raises(ValueError):
            await store.put(bad, b"x", "text/plain")


def test_adapters_are_chosen_by_url(tmp_path: Path) -> None:
    s3 = S3Settings()
    assert isinstance(blob_store_from(None, data_dir=tmp_path, s3=s3), LocalBlobStore)
    assert isinstance(
        blob_store_from(f"file://{tmp_path}", data_dir=tmp_path, s3=s3), LocalBlobStore
    )
    assert isinstance(blob_store_from("s3://bucket", data_dir=tmp_path, s3=s3), S3BlobStore)
    with pytest.raises(ValueError):
        blob_store_from("ftp://x", data_dir=tmp_path, s3=s3)

"""BlobStore adapters, chosen by URL: `file://<dir>` (the default: `<data dir>/files`) or
`s3://<bucket>` (any S3-compatible store: AWS, MinIO, Ceph, moto's server)."""

from pathlib import Path

from hubbub.infra.blobs.local import LocalBlobStore
from hubbub.infra.blobs.s3 import S3BlobStore, S3Settings
from hubbub.kernel.ports import BlobStore


def blob_store_from(url: str | None, *, data_dir: Path, s3: S3Settings) -> BlobStore:
    """The adapter for `url` (unset: a directory inside the data dir)."""
    if not url:
        return LocalBlobStore(data_dir / "files")
    if url.startswith("file://"):
        return LocalBlobStore(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        bucket = url.removeprefix("s3://").strip("/")
        if not bucket:
            raise ValueError("HUBBUB_BLOB_URL: s3://<bucket> needs a bucket name")
        return S3BlobStore(bucket, s3)
    raise ValueError(f"HUBBUB_BLOB_URL: unsupported scheme in {url!r} (file:// or s3://)")


__all__ = ["LocalBlobStore", "S3BlobStore", "S3Settings", "blob_store_from"]

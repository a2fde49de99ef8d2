"""S3BlobStore: an S3-compatible object store through aioboto3 (aiobotocore underneath).

The SDK is imported on first use (it takes a second to import, and the embedded default never
needs it). One client per process, opened on first use and kept (a client per call would pay a TLS
handshake and credential resolution each time). The bucket is created on first use when it
does not exist (convenient for MinIO/moto; on AWS, create it beforehand with the right
policy and the call is a no-op).
"""

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from hubbub.infra.blobs.s3_client import client_error, new_session


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None


class S3BlobStore:
    def __init__(self, bucket: str, settings: S3Settings) -> None:
        self._bucket = bucket
        self._settings = settings
        self._session: Any = None
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._session = self._session or new_session()
                client = await self._stack.enter_async_context(
                    self._session.client(
                        "s3",
                        endpoint_url=self._settings.endpoint_url,
                        region_name=self._settings.region,
                        aws_access_key_id=self._settings.access_key_id,
                        aws_secret_access_key=self._settings.secret_access_key,
                    )
                )
                await self._ensure_bucket(client)
                self._client = client
        return self._client

    async def _ensure_bucket(self, client: Any) -> None:
        try:
            await client.head_bucket(Bucket=self._bucket)
        except client_error():
            with contextlib.suppress(client_error()):  # created meanwhile by another process
                await client.create_bucket(Bucket=self._bucket)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        s3 = await self._s3()
        await s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes | None:
        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self._bucket, Key=key)
        except client_error() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            raise
        async with answer["Body"] as body:
            data: bytes = await body.read()
        return data

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self._bucket, Key=key)

    async def ping(self) -> bool:
        try:
            s3 = await self._s3()
            await s3.head_bucket(Bucket=self._bucket)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

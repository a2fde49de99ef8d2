"""LocalBlobStore: one file per key under a directory (the embedded default).

Writes go to a temporary file that is fsynced and renamed into place, so a reader never sees
half a file and a crash leaves either the old bytes or the new ones. The disk work runs on a
thread; keys are hex ids chosen by hubbub, checked so that no key leaves the directory.
"""

import asyncio
import os
import re
import tempfile
from pathlib import Path

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,200}$")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def _path(self, key: str) -> Path:
        if not KEY.match(key) or ".." in key:
            raise ValueError(f"not a blob key: {key!r}")
        return self._root / key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, self._path(key))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def ping(self) -> bool:
        return await asyncio.to_thread(os.access, self._root.parent, os.W_OK)

    async def close(self) -> None:
        return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

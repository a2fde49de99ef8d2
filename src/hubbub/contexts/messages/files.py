"""Files shared in chats: upload (type from the content, images get a thumbnail), the chat's
file list, downloads through signed links, and the checks a message naming files must pass.

The bytes go to the BlobStore port before the row is written, so a row always has its blob;
a crash between the two leaves an unreferenced blob, never a broken file.
"""

import asyncio
import io
from typing import Protocol
from uuid import UUID

from PIL import Image, ImageOps, UnidentifiedImageError

from hubbub.contexts.messages.api import FileView
from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.file_types import Detected, check_claims, detect
from hubbub.contexts.messages.files_store import StoredFile
from hubbub.contexts.messages.ports import Membership
from hubbub.contexts.messages.store_reads import file_view
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import DomainError, Invalid, NotFound
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import BlobStore

THUMBNAIL_SIZE = (320, 320)
MAX_PIXELS = 40_000_000
NAME_MAX = 255
MAX_FILES_PER_MESSAGE = 10


class TooLarge(DomainError):
    status = 413
    code = "file_too_large"


class FileStore(Protocol):
    async def add(self, stored: StoredFile) -> None: ...

    async def get(self, file_id: UUID) -> StoredFile | None: ...

    async def get_many(self, file_ids: list[UUID]) -> list[StoredFile]: ...

    async def of_chat(
        self, chat_id: UUID, *, limit: int, before_id: UUID | None
    ) -> list[StoredFile]: ...


class ChatFiles:
    def __init__(
        self,
        *,
        store: FileStore,
        blobs: BlobStore,
        links: FileLinks,
        membership: Membership,
        clock: Clock,
        max_bytes: int,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._links = links
        self._membership = membership
        self._clock = clock
        self.max_bytes = max_bytes

    async def upload(
        self, *, user_id: UUID, chat_id: UUID, name: str, declared_type: str | None, data: bytes
    ) -> FileView:
        """Store a file for the chat (to be attached by a message of its uploader)."""
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        if not data:
            raise Invalid("file: empty", code="empty_file")
        if len(data) > self.max_bytes:
            raise TooLarge(f"file: at most {self.max_bytes} bytes")
        name = _clean_name(name)
        detected = detect(data)
        check_claims(detected, name, declared_type)
        width = height = None
        thumbnail: bytes | None = None
        if detected.is_image:
            width, height, thumbnail = await asyncio.to_thread(_thumbnail, data, detected)
        file_id = new_id()
        blob_key = f"{chat_id.hex}/{file_id.hex}"
        await self._blobs.put(blob_key, data, detected.content_type)
        thumbnail_key = None
        if thumbnail is not None:
            thumbnail_key = f"{blob_key}.thumb"
            await self._blobs.put(thumbnail_key, thumbnail, "image/png")
        stored = StoredFile(
            id=file_id,
            chat_id=chat_id,
            uploader_id=user_id,
            message_id=None,
            name=name,
            content_type=detected.content_type,
            size=len(data),
            width=width,
            height=height,
            blob_key=blob_key,
            thumbnail_key=thumbnail_key,
            created_at=self._clock.now(),
        )
        await self._store.add(stored)
        return file_view(stored.row(), self._links)

    async def of_chat(
        self, *, user_id: UUID, chat_id: UUID, limit: int, before_id: UUID | None
    ) -> tuple[list[FileView], bool]:
        """Files of the chat's messages, newest first; (page, whether there are more)."""
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        rows = await self._store.of_chat(chat_id, limit=limit + 1, before_id=before_id)
        return [file_view(r.row(), self._links) for r in rows[:limit]], len(rows) > limit

    async def download(
        self, *, file_id: UUID, variant: str, expires: int, signature: str
    ) -> tuple[StoredFile, bytes]:
        """The file (or its thumbnail) behind a signed link."""
        self._links.check(file_id, variant, expires, signature)
        stored = await self._store.get(file_id)
        key = None
        if stored is not None:
            key = stored.blob_key if variant == "original" else stored.thumbnail_key
        data = await self._blobs.get(key) if key else None
        if stored is None or data is None:
            raise NotFound("no such file", code="file_not_found")
        return stored, data

    async def check_attachable(
        self, *, user_id: UUID, chat_id: UUID, file_ids: tuple[UUID, ...]
    ) -> list[FileView]:
        """The files a new message may carry: the sender's own uploads to this chat, not
        attached to another message yet."""
        if len(file_ids) > MAX_FILES_PER_MESSAGE:
            raise Invalid(f"file_ids: at most {MAX_FILES_PER_MESSAGE}", code="invalid_file_ids")
        found = {f.id: f for f in await self._store.get_many(list(file_ids))}
        for file_id in file_ids:
            stored = found.get(file_id)
            if (
                stored is None
                or stored.chat_id != chat_id
                or stored.uploader_id != user_id
                or stored.message_id is not None
            ):
                raise Invalid(
                    f"file_ids: {file_id} is not a file you uploaded to this chat and have "
                    "not sent yet",
                    code="invalid_file_ids",
                )
        return [file_view(found[f].row(), self._links) for f in file_ids]

    async def forget(self, blob_keys: list[str]) -> None:
        """Delete the bytes of files whose rows are gone (after the delete committed)."""
        for key in blob_keys:
            await self._blobs.delete(key)


def _clean_name(name: str) -> str:
    cleaned = "".join(ch for ch in name.replace("\\", "/").split("/")[-1] if ch.isprintable())
    cleaned = cleaned.strip() or "file"
    return cleaned[-NAME_MAX:]


def _thumbnail(data: bytes, detected: Detected) -> tuple[int, int, bytes]:
    """(width, height, a PNG thumbnail of at most 320×320) of an image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise Invalid(f"file: images up to {MAX_PIXELS} pixels", code="image_too_large")
        with Image.open(io.BytesIO(data)) as opened:
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Invalid(
            f"file: not a readable {detected.content_type} image", code="invalid_image"
        ) from exc
    return width, height, out.getvalue()

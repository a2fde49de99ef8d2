"""SqlFileStore: the rows of shared files (the bytes live in the BlobStore)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select

from hubbub.contexts.messages.tables import files, messages
from hubbub.infra.db import Database


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: UUID
    chat_id: UUID
    uploader_id: UUID
    message_id: UUID | None
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    blob_key: str
    thumbnail_key: str | None
    created_at: datetime

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class SqlFileStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, stored: StoredFile) -> None:
        async with self._db.write(notify=False) as conn:
            await conn.execute(insert(files).values(**stored.row()))

    async def get(self, file_id: UUID) -> StoredFile | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(files).where(files.c.id == file_id))).first()
        return StoredFile(**row._mapping) if row else None

    async def get_many(self, file_ids: list[UUID]) -> list[StoredFile]:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(files).where(files.c.id.in_(file_ids)))).all()
        return [StoredFile(**row._mapping) for row in rows]

    async def of_chat(
        self, chat_id: UUID, *, limit: int, before_id: UUID | None
    ) -> list[StoredFile]:
        """Files attached to live messages of the chat, newest first."""
        query = (
            select(files)
            .join(messages, messages.c.id == files.c.message_id)
            .where(files.c.chat_id == chat_id, messages.c.deleted_at.is_(None))
        )
        if before_id is not None:
            query = query.where(files.c.id < before_id)
        query = query.order_by(files.c.id.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [StoredFile(**{c.name: row._mapping[c] for c in files.c}) for row in rows]

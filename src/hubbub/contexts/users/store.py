"""SQLAlchemy tables (prefixed `users_`) and SqlUserStore."""

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from hubbub.contexts.users.api import UserRecord
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.kernel.errors import Conflict

users = Table(
    "users_users",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("username", String(50), nullable=False),
    Column("username_key", String(50), nullable=False, unique=True),
    Column("email", String(320), nullable=True),
    Column("email_key", String(320), nullable=True, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("discoverable", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=True),
)

# What is left of a deleted account: that its id was one (messages keep it as sender_id).
deleted_users = Table(
    "users_deleted",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("deleted_at", UtcDateTime, nullable=False),
)


class SqlUserStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        # last_seen_at updates of this loop tick, written in one transaction (see set_last_seen)
        self._seen: dict[UUID, datetime] = {}
        self._seen_write: asyncio.Task[None] | None = None

    async def add(self, user: UserRecord) -> None:
        row: dict[str, Any] = user.model_dump()
        row["username_key"] = user.username.lower()
        row["email_key"] = user.email.lower() if user.email else None
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(users), row)
        except IntegrityError as exc:
            if "email" in str(exc.orig).lower():
                raise Conflict("email is taken", code="email_taken") from exc
            raise Conflict("username is taken", code="username_taken") from exc

    async def get(self, user_id: UUID) -> UserRecord | None:
        return await self._one(users.c.id == user_id)

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(users).where(users.c.id.in_(user_ids)))).all()
        return [_record(r._mapping) for r in rows]

    async def by_username(self, username: str) -> UserRecord | None:
        return await self._one(users.c.username_key == username.lower())

    async def by_email(self, email: str) -> UserRecord | None:
        return await self._one(users.c.email_key == email.lower())

    async def search(self, prefix: str, limit: int) -> list[UserRecord]:
        query = (
            select(users)
            .where(users.c.username_key.like(f"{prefix}%", escape="\\"))
            .order_by(users.c.username_key)
            .limit(limit)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(r._mapping) for r in rows]

    async def update(
        self, user_id: UUID, *, display_name: str | None, discoverable: bool | None
    ) -> None:
        values: dict[str, Any] = {}
        if display_name is not None:
            values["display_name"] = display_name
        if discoverable is not None:
            values["discoverable"] = discoverable
        if values:
            async with self._db.write() as conn:
                await conn.execute(update(users).where(users.c.id == user_id).values(values))

    async def delete(self, user_id: UUID) -> None:
        async with self._db.write() as conn:
            await conn.execute(delete(users).where(users.c.id == user_id))

    async def erase(self, user_id: UUID, at: datetime) -> None:
        insert_ = sqlite_insert if self._db.is_sqlite else pg_insert
        tombstone = insert_(deleted_users).values(id=user_id, deleted_at=at)
        async with self._db.write() as conn:
            await conn.execute(delete(users).where(users.c.id == user_id))
            await conn.execute(tombstone.on_conflict_do_nothing(index_elements=["id"]))

    async def deleted_among(self, user_ids: set[UUID]) -> set[UUID]:
        if not user_ids:
            return set()
        query = select(deleted_users.c.id).where(deleted_users.c.id.in_(user_ids))
        async with self._db.read() as conn:
            return set((await conn.execute(query)).scalars().all())

    async def set_last_seen(self, user_id: UUID, at: datetime) -> None:
        """Group commit: the calls made while a write is being set up (a thousand sockets
        closing at once) share one transaction instead of one each."""
        self._seen[user_id] = at
        if self._seen_write is None:
            self._seen_write = asyncio.get_running_loop().create_task(self._write_seen())
        await asyncio.shield(self._seen_write)

    async def _write_seen(self) -> None:
        await asyncio.sleep(0)  # let the callers of this tick join
        batch, self._seen = self._seen, {}
        self._seen_write = None  # later callers start the next write
        statement = (
            update(users)
            .where(users.c.id == bindparam("seen_id"))
            .values(last_seen_at=bindparam("seen_at"))
        )
        async with self._db.write() as conn:
            await conn.execute(
                statement, [{"seen_id": u, "seen_at": at} for u, at in batch.items()]
            )

    async def _one(self, condition: Any) -> UserRecord | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(users).where(condition))).first()
        return _record(row._mapping) if row else None


def _record(row: Any) -> UserRecord:
    # Columns are named like the DTO fields; the lookup keys (`*_key`) are ignored.
    return UserRecord.model_validate(dict(row))

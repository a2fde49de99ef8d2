"""SQLAlchemy tables (prefixed `auth_`) and SqlCredentialStore: password hashes and sessions."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Column, Index, String, Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.auth.model import Session
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.outbox import add_to_outbox_async
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.kernel.events import Event

credentials = Table(
    "auth_credentials",
    metadata,
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("password_hash", String(255), nullable=False),
)

# One row per login that has not ended; a token names its row (`jti`). Ending a session
# deletes its row, so "is it live?" is one primary-key lookup (and is cached, see
# sessions.py).
sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_auth_sessions_user_id", "user_id"),
)


class SqlCredentialStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        async with self._db.write() as conn:
            await self._upsert_hash(conn, user_id, password_hash)

    async def password_hash(self, user_id: UUID) -> str | None:
        async with self._db.read() as conn:
            query = select(credentials.c.password_hash).where(credentials.c.user_id == user_id)
            found = (await conn.execute(query)).scalar_one_or_none()
        return found

    async def add_session(self, session: Session) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                delete(sessions).where(
                    sessions.c.user_id == session.user_id,
                    sessions.c.expires_at <= session.created_at,
                )
            )
            await conn.execute(
                sessions.insert().values(
                    id=session.id,
                    user_id=session.user_id,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                )
            )

    async def session_owner(self, session_id: UUID) -> UUID | None:
        async with self._db.read() as conn:
            query = select(sessions.c.user_id).where(sessions.c.id == session_id)
            found: UUID | None = (await conn.execute(query)).scalar_one_or_none()
        return found

    async def end_sessions(self, user_id: UUID, *, only: UUID | None = None) -> list[UUID]:
        async with self._db.write() as conn:
            return await self._end(conn, user_id, only=only)

    async def change_password(self, user_id: UUID, password_hash: str, *, keep: UUID) -> list[UUID]:
        async with self._db.write() as conn:
            await self._upsert_hash(conn, user_id, password_hash)
            return await self._end(conn, user_id, keep=keep)

    async def erase_account(self, user_id: UUID, events: Sequence[Event]) -> list[UUID]:
        async with self._db.write() as conn:
            await conn.execute(delete(credentials).where(credentials.c.user_id == user_id))
            ended = await self._end(conn, user_id)
            await add_to_outbox_async(conn, events)
        return ended

    async def _end(
        self,
        conn: AsyncConnection,
        user_id: UUID,
        *,
        only: UUID | None = None,
        keep: UUID | None = None,
    ) -> list[UUID]:
        statement = delete(sessions).where(sessions.c.user_id == user_id)
        if only is not None:
            statement = statement.where(sessions.c.id == only)
        if keep is not None:
            statement = statement.where(sessions.c.id != keep)
        ended = (await conn.execute(statement.returning(sessions.c.id))).scalars().all()
        return list(ended)

    async def _upsert_hash(self, conn: AsyncConnection, user_id: UUID, password_hash: str) -> None:
        insert = sqlite_insert if self._db.is_sqlite else pg_insert
        statement = insert(credentials).values(user_id=user_id, password_hash=password_hash)
        statement = statement.on_conflict_do_update(
            index_elements=[credentials.c.user_id], set_={"password_hash": password_hash}
        )
        await conn.execute(statement)

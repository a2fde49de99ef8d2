"""SQLAlchemy tables (prefixed `chats_`) and SqlChatStore."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from hubbub.contexts.chats.model import Chat, Member
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.outbox import add_to_outbox_async
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.kernel.events import Event

chats = Table(
    "chats_chats",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("type", String(10), nullable=False),
    Column("title", String(100), nullable=True),
    Column("owner_id", uuid_column_type(), nullable=True),
    # "<low id>:<high id>" for direct chats; unique, so a pair can never get two.
    Column("direct_key", String(80), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

members = Table(
    "chats_members",
    metadata,
    Column(
        "chat_id",
        uuid_column_type(),
        ForeignKey("chats_chats.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    Index("ix_chats_members_user_id", "user_id"),
)


# A member's own settings of a chat (muted); a row only once something was set.
settings = Table(
    "chats_settings",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("muted", Boolean, nullable=False),
)


class SqlChatStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_chat(
        self, chat: Chat, new_members: list[Member], events: Sequence[Event] = ()
    ) -> Chat:
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(chats), _chat_row(chat))
                await conn.execute(insert(members), [_member_row(m) for m in new_members])
                await add_to_outbox_async(conn, events)
        except IntegrityError:
            if chat.direct_key is None:
                raise
            existing = await self._one_chat(chats.c.direct_key == chat.direct_key)
            if existing is None:
                raise
            return existing
        return chat

    async def get_chat(self, chat_id: UUID) -> Chat | None:
        return await self._one_chat(chats.c.id == chat_id)

    async def find_direct(self, key: str) -> Chat | None:
        return await self._one_chat(chats.c.direct_key == key)

    async def get_chats(self, chat_ids: list[UUID]) -> list[Chat]:
        if not chat_ids:
            return []
        async with self._db.read() as conn:
            rows = (await conn.execute(select(chats).where(chats.c.id.in_(chat_ids)))).all()
        return [_chat(r._mapping) for r in rows]

    async def members(self, chat_id: UUID) -> list[Member]:
        query = select(members).where(members.c.chat_id == chat_id).order_by(members.c.joined_at)
        return await self._members(query)

    async def memberships_of(self, user_id: UUID) -> list[Member]:
        return await self._members(select(members).where(members.c.user_id == user_id))

    async def members_of_chats(self, chat_ids: list[UUID]) -> list[Member]:
        if not chat_ids:
            return []
        return await self._members(select(members).where(members.c.chat_id.in_(chat_ids)))

    async def member_counts(self, chat_ids: list[UUID]) -> dict[UUID, int]:
        if not chat_ids:
            return {}
        query = (
            select(members.c.chat_id, func.count())
            .where(members.c.chat_id.in_(chat_ids))
            .group_by(members.c.chat_id)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {row[0]: int(row[1]) for row in rows}

    async def add_member(self, member: Member, events: Sequence[Event] = ()) -> bool:
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(members), _member_row(member))
                await add_to_outbox_async(conn, events)
        except IntegrityError:
            return False
        return True

    async def remove_member(
        self,
        chat_id: UUID,
        user_id: UUID,
        *,
        new_owner: UUID | None,
        events: Sequence[Event] = (),
    ) -> bool:
        async with self._db.write() as conn:
            result = await conn.execute(
                delete(members).where(members.c.chat_id == chat_id, members.c.user_id == user_id)
            )
            if result.rowcount:
                await add_to_outbox_async(conn, events)
            if new_owner is not None and result.rowcount:
                await conn.execute(
                    update(members)
                    .where(members.c.chat_id == chat_id, members.c.user_id == new_owner)
                    .values(role="owner")
                )
                await conn.execute(
                    update(chats).where(chats.c.id == chat_id).values(owner_id=new_owner)
                )
        return bool(result.rowcount)

    async def set_muted(self, chat_id: UUID, user_id: UUID, muted: bool) -> None:
        async with self._db.write() as conn:
            changed = await conn.execute(
                update(settings)
                .where(settings.c.chat_id == chat_id, settings.c.user_id == user_id)
                .values(muted=muted)
            )
            if not changed.rowcount:
                await conn.execute(
                    insert(settings).values(chat_id=chat_id, user_id=user_id, muted=muted)
                )

    async def muted_among(self, user_id: UUID, chat_ids: list[UUID]) -> set[UUID]:
        if not chat_ids:
            return set()
        query = select(settings.c.chat_id).where(
            settings.c.user_id == user_id, settings.c.chat_id.in_(chat_ids), settings.c.muted
        )
        async with self._db.read() as conn:
            return set((await conn.execute(query)).scalars())

    async def _one_chat(self, condition: Any) -> Chat | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(chats).where(condition))).first()
        return _chat(row._mapping) if row else None

    async def _members(self, query: Any) -> list[Member]:
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [Member(r.chat_id, r.user_id, r.role, r.joined_at) for r in rows]


def _chat(row: Any) -> Chat:
    return Chat(
        row["id"], row["type"], row["title"], row["owner_id"], row["direct_key"], row["created_at"]
    )


def _chat_row(chat: Chat) -> dict[str, Any]:
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "owner_id": chat.owner_id,
        "direct_key": chat.direct_key,
        "created_at": chat.created_at,
    }


def _member_row(m: Member) -> dict[str, Any]:
    return {"chat_id": m.chat_id, "user_id": m.user_id, "role": m.role, "joined_at": m.joined_at}

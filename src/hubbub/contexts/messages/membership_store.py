"""SqlMembershipStore: messages' copy of the chats' membership (membership.py)."""

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hubbub.contexts.messages.membership import ChatRow
from hubbub.contexts.messages.tables import chat_members, member_chats
from hubbub.infra.db import Database


class SqlMembershipStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Any = sqlite_insert if db.is_sqlite else pg_insert

    async def put_chat(self, chat: ChatRow, version: str) -> None:
        statement = self._insert(member_chats).values(
            chat_id=chat.chat_id, type=chat.type, owner_id=chat.owner_id, version=version
        )
        statement = statement.on_conflict_do_update(
            index_elements=[member_chats.c.chat_id],
            set_={
                "type": statement.excluded.type,
                "owner_id": statement.excluded.owner_id,
                "version": statement.excluded.version,
            },
            where=member_chats.c.version < statement.excluded.version,
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def set_owner(self, chat_id: UUID, owner_id: UUID, version: str) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                update(member_chats)
                .where(member_chats.c.chat_id == chat_id, member_chats.c.version < version)
                .values(owner_id=owner_id, version=version)
            )

    async def put_member(self, chat_id: UUID, user_id: UUID, active: bool, version: str) -> None:
        statement = self._insert(chat_members).values(
            chat_id=chat_id, user_id=user_id, active=active, version=version
        )
        statement = statement.on_conflict_do_update(
            index_elements=[chat_members.c.chat_id, chat_members.c.user_id],
            set_={"active": statement.excluded.active, "version": statement.excluded.version},
            where=chat_members.c.version < statement.excluded.version,
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def chat(self, chat_id: UUID) -> ChatRow | None:
        query = select(member_chats).where(member_chats.c.chat_id == chat_id)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        return ChatRow(row.chat_id, row.type, row.owner_id) if row is not None else None

    async def is_member(self, chat_id: UUID, user_id: UUID) -> bool:
        query = select(chat_members.c.active).where(
            chat_members.c.chat_id == chat_id, chat_members.c.user_id == user_id
        )
        async with self._db.read() as conn:
            return bool((await conn.execute(query)).scalar())

    async def member_ids(self, chat_id: UUID) -> set[UUID]:
        query = select(chat_members.c.user_id).where(
            chat_members.c.chat_id == chat_id, chat_members.c.active
        )
        async with self._db.read() as conn:
            return set((await conn.execute(query)).scalars())

    async def chat_ids_of(self, user_id: UUID) -> list[UUID]:
        query = select(chat_members.c.chat_id).where(
            chat_members.c.user_id == user_id, chat_members.c.active
        )
        async with self._db.read() as conn:
            return list((await conn.execute(query)).scalars())

"""SQLAlchemy table (prefixed `auth_`) and SqlCredentialStore."""

from uuid import UUID

from sqlalchemy import Column, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hubbub.infra.db import Database, metadata
from hubbub.infra.db.schema import uuid_column_type

credentials = Table(
    "auth_credentials",
    metadata,
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("password_hash", String(255), nullable=False),
)


class SqlCredentialStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        insert = sqlite_insert if self._db.is_sqlite else pg_insert
        statement = insert(credentials).values(user_id=user_id, password_hash=password_hash)
        statement = statement.on_conflict_do_update(
            index_elements=[credentials.c.user_id], set_={"password_hash": password_hash}
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def password_hash(self, user_id: UUID) -> str | None:
        async with self._db.read() as conn:
            query = select(credentials.c.password_hash).where(credentials.c.user_id == user_id)
            found = (await conn.execute(query)).scalar_one_or_none()
        return found

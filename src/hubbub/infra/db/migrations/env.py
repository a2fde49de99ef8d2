"""Alembic environment: the schema is the union of every context's `store.py` tables."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import hubbub.contexts.assistant.store
import hubbub.contexts.auth.store
import hubbub.contexts.chats.store
import hubbub.contexts.diary.store
import hubbub.contexts.messages.store
import hubbub.contexts.users.store
import hubbub.infra.db.outbox
import hubbub.infra.eventstore  # noqa: F401  (registers the tables on the metadata)
from hubbub.infra.db.schema import metadata

target_metadata = metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.begin() as conn:
        await conn.run_sync(run_on)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_standalone())

"""Alembic, driven from code: `hubbub db upgrade` and the embedded start both land here."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from hubbub.infra.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6875626275  # "hubbu": one migrator at a time on a shared Postgres


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` inside one transaction."""
    async with db.writer.begin() as conn:
        await conn.run_sync(_upgrade, db.url, revision)


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"))
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)

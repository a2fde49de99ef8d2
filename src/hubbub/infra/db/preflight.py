"""Before migrating or serving: is the database there, reachable and migrated? Each problem an
operator can fix becomes one sentence that says how (`DatabaseProblem`), instead of a driver's
traceback; `create_database` makes a missing PostgreSQL database (`hubbub db upgrade --create`).
"""

import socket
from collections.abc import Iterator

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from hubbub.infra.db.migrate import alembic_config

CONNECT_TIMEOUT_SECONDS = 5
# SQLSTATEs of PostgreSQL's answers to a connection attempt.
_NO_SUCH_DATABASE = "3D000"
_AUTHENTICATION = ("28000", "28P01")
_MAINTENANCE_DATABASES = ("postgres", "template1")


class DatabaseProblem(Exception):
    """A database the configuration names cannot be used as it is; the message says why and
    what to do."""


def describe(url: str) -> str:
    """The database for a person: `database "hubbub" on 127.0.0.1:5432`, or the SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite database {parsed.database}"
    return f'database "{parsed.database}" on {parsed.host or "localhost"}:{parsed.port or 5432}'


def explain(exc: BaseException, url: str) -> DatabaseProblem | None:
    """The operator's version of a failure to reach the database, or None if it is not one."""
    where = describe(url)
    parsed = make_url(url)
    for cause in _causes(exc):
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if state == _NO_SUCH_DATABASE:
            return DatabaseProblem(
                f"{where} does not exist. Create it with `hubbub db upgrade --create` "
                f"(or `createdb {parsed.database}`)."
            )
        if state in _AUTHENTICATION:
            return DatabaseProblem(
                f"{where} refused user {parsed.username!r}: {cause}. Check the user and password "
                "in HUBBUB_DATABASE_URL."
            )
        if isinstance(cause, socket.gaierror):
            return DatabaseProblem(f"{where}: unknown host {parsed.host!r} ({cause.strerror}).")
        if isinstance(cause, ConnectionRefusedError | TimeoutError) or (
            isinstance(cause, OSError) and "Connect call failed" in str(cause)
        ):
            return DatabaseProblem(
                f"cannot reach {where}: {_reason(cause)}. Is PostgreSQL running there, and is "
                "HUBBUB_DATABASE_URL right?"
            )
        if parsed.get_backend_name() == "sqlite" and "unable to open database file" in str(cause):
            return DatabaseProblem(
                f"cannot open {where}: check that its directory (HUBBUB_DATA_DIR) is writable."
            )
    return None


async def check_database(url: str, *, migrated: bool) -> None:
    """Raise DatabaseProblem when the database is unreachable or, with `migrated`, when its
    schema is not the one this version of hubbub needs (not migrated, or by a newer version)."""
    engine = _engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_heads)
    except Exception as exc:
        problem = explain(exc, url)
        if problem is None:
            raise
        raise problem from None
    finally:
        await engine.dispose()
    if not migrated:
        return
    wanted = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if current != wanted:
        state = "has no schema yet" if not current else f"is at revision {', '.join(current)}"
        raise DatabaseProblem(
            f"{describe(url)} {state}; this hubbub needs {', '.join(sorted(wanted))}. Run "
            "`hubbub db upgrade` once (with the same HUBBUB_DATABASE_URL), then start it again."
        )


async def create_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names, unless it exists; True when it was created.
    Connects to the server's maintenance database as the same user."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return False  # SQLite creates its file on first use
    name = parsed.database or ""
    last: Exception | None = None
    for maintenance in _MAINTENANCE_DATABASES:
        engine = _engine(parsed.set(database=maintenance), autocommit=True)
        try:
            async with engine.connect() as conn:
                found = await conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if found:
                    return False
                quoted = conn.dialect.identifier_preparer.quote(name)
                await conn.execute(text(f"CREATE DATABASE {quoted}"))
                return True
        except Exception as exc:
            if not any(getattr(c, "sqlstate", None) == _NO_SUCH_DATABASE for c in _causes(exc)):
                problem = explain(exc, url)
                if problem is None:
                    raise DatabaseProblem(f"cannot create {describe(url)}: {exc}") from None
                raise problem from None
            last = exc
        finally:
            await engine.dispose()
    raise DatabaseProblem(f"cannot create {describe(url)}: {last}")


def _engine(url: str | URL, *, autocommit: bool = False) -> AsyncEngine:
    options: dict[str, object] = {"poolclass": NullPool}
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    if make_url(url).get_backend_name() == "postgresql":
        options["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
    return create_async_engine(url, **options)


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
    # SQLAlchemy keeps the driver's exception in `.orig`, which chains to asyncpg's own.
    orig = getattr(exc, "orig", None)
    if orig is not None and id(orig) not in seen:
        yield from _causes(orig)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_SECONDS} s"
    return str(exc)

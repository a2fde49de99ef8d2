"""The `hubbub` command: `serve [role]`, `db upgrade [--create]`, `init-env` and
`projections rebuild|status [NAME]`, `mood reanalyse`."""

import argparse
import asyncio
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from hubbub.roles import ROLES
from hubbub.settings import Settings


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hubbub", description="hubbub messenger server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run a server process")
    serve.add_argument(
        "role",
        nargs="?",
        default="all",
        choices=sorted(ROLES),
        help="; ".join(f"{r.name}: {r.description}" for r in ROLES.values()),
    )
    # A container image sets HUBBUB_HOST=0.0.0.0 so that every role's command stays short.
    serve.add_argument("--host", default=os.environ.get("HUBBUB_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("HUBBUB_PORT", "8080")))
    serve.add_argument(
        "--grpc-port",
        type=int,
        default=None,
        help="where a role serving contexts over gRPC listens (HUBBUB_GRPC_PORT, 50051)",
    )
    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the newest")
    upgrade.add_argument(
        "--create",
        action="store_true",
        help="create the PostgreSQL database first if it does not exist",
    )
    _add_init_env(commands)
    _add_projections(commands)
    mood = commands.add_parser("mood", help="the diary's mood analysis")
    mood_commands = mood.add_subparsers(dest="mood_command", required=True)
    mood_commands.add_parser(
        "reanalyse",
        help="re-score every diary entry with the current model (new analyses are appended; "
        "the old ones stay in each entry's history)",
    )
    args = parser.parse_args(argv)
    if args.command == "init-env":  # before Settings: it writes what Settings reads
        init_env(args)
        return

    settings = Settings()
    from hubbub.infra.observability.logging import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    if args.command == "serve":
        if args.grpc_port is not None:
            settings = settings.model_copy(update={"grpc_port": args.grpc_port})
        run_server(settings, role=args.role, host=args.host, port=args.port)
        return
    if args.command == "projections":
        projections(settings, action=args.action, name=args.name)
        return
    if args.command == "mood":
        reanalyse(settings)
        return
    db_upgrade(settings, create=args.create)


def db_upgrade(settings: Settings, *, create: bool) -> None:
    """`hubbub db upgrade [--create]`: a missing or unreachable database is one sentence."""
    from hubbub.infra.db.preflight import DatabaseProblem, create_database, describe

    url = settings.effective_database_url
    try:
        if create and asyncio.run(create_database(url)):
            print(f"created {describe(url)}")
        asyncio.run(_upgrade(settings))
    except DatabaseProblem as problem:
        sys.exit(f"hubbub: {problem}")
    print(f"database at head: {_redacted(url)}")


def _add_init_env(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    init = commands.add_parser(
        "init-env",
        help="write a .env with a fresh JWT secret (and the shared URLs with --scale-out)",
        description="Every hubbub started in the directory of the .env reads it, so processes "
        "started from separate shells share one JWT secret and accept each other's tokens.",
    )
    init.add_argument("--file", type=Path, default=Path(".env"), help="default: ./.env")
    init.add_argument(
        "--scale-out",
        action="store_true",
        help="also the URLs of a local PostgreSQL and Redis (fan-out and bus on Redis)",
    )
    init.add_argument("--database-url", help="e.g. postgresql+asyncpg://user:pw@host/db")
    init.add_argument("--redis-url", help="e.g. redis://host:6379/0 (also fan-out and bus)")
    init.add_argument("--bus-url", help="e.g. kafka://host:9092 (default: the Redis URL)")
    init.add_argument("--force", action="store_true", help="replace an existing file")


PROJECTION_NAMES = ("entries", "mood_days")


def _add_projections(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    found = commands.add_parser(
        "projections",
        help="the diary's read models: rebuild from the event store, or show their checkpoints",
    )
    found.add_argument("action", choices=("rebuild", "status"))
    found.add_argument(
        "name", nargs="?", choices=PROJECTION_NAMES, help="one projection (default: all)"
    )


def projections(settings: Settings, *, action: str, name: str | None) -> None:
    """`hubbub projections rebuild [NAME]`: replay every event from position zero into
    the read models (in one transaction each); `status`: each checkpoint and the head."""
    import time

    from hubbub.contexts.diary.wiring import diary_projector
    from hubbub.infra.db import Database
    from hubbub.infra.db.preflight import DatabaseProblem

    async def run() -> None:
        db = Database(
            settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        try:
            if settings.is_sqlite:
                from hubbub.infra.db.migrate import upgrade

                await upgrade(db)
            projector = diary_projector(db)
            names = [name] if name else None
            if action == "rebuild":
                started = time.perf_counter()
                for done in await projector.rebuild(names):
                    print(f"rebuilt {done.name}: {done.events} events, at position {done.position}")
                print(f"in {time.perf_counter() - started:.2f} s")
            else:
                head = await projector.head()
                for projection, position in (await projector.positions()).items():
                    if name is None or projection == name:
                        print(f"{projection}: at position {position} of {head}")
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except DatabaseProblem as problem:
        sys.exit(f"hubbub: {problem}")


def reanalyse(settings: Settings) -> None:
    """`hubbub mood reanalyse`: every live entry gets a new analysis by the current model;
    authors connected to a gateway hear of each (through the configured fan-out)."""
    import time

    from hubbub.contexts.diary.wiring import local_diary
    from hubbub.contexts.mood.service import reanalyse_all
    from hubbub.contexts.mood.wiring import mood_analyser, mood_model
    from hubbub.contexts.realtime import Hub
    from hubbub.infra.db import Database
    from hubbub.infra.db.preflight import DatabaseProblem
    from hubbub.infra.fanout import fanout_from_url
    from hubbub.kernel.clock import SystemClock
    from hubbub.kernel.ids import new_id

    async def run() -> None:
        db = Database(
            settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        fanout = fanout_from_url(
            settings.fanout_url, instance=new_id().hex[-12:], namespace=settings.redis_namespace
        )
        hub = Hub(fanout)
        await fanout.start(hub.deliver)
        diary = local_diary(db=db, clock=SystemClock())
        analyser = mood_analyser(diary=diary, model=mood_model(), live=hub)
        try:
            if settings.is_sqlite:
                from hubbub.infra.db.migrate import upgrade

                await upgrade(db)
            started = time.perf_counter()
            await analyser.warm()
            done = await reanalyse_all(analyser, diary)
            print(f"reanalysed {done} entries in {time.perf_counter() - started:.1f} s")
        finally:
            analyser.close()
            await fanout.stop()
            await db.dispose()

    try:
        asyncio.run(run())
    except DatabaseProblem as problem:
        sys.exit(f"hubbub: {problem}")


def init_env(args: argparse.Namespace) -> None:
    """`hubbub init-env`: write the file, or say why not."""
    from hubbub.envfile import Shared, write_env_file

    shared = Shared.fresh(
        scale_out=args.scale_out,
        database_url=args.database_url,
        redis_url=args.redis_url,
        bus_url=args.bus_url,
    )
    try:
        write_env_file(args.file, shared, force=args.force)
    except FileExistsError as exc:
        sys.exit(f"hubbub: {exc}")
    names = [line.split("=", 1)[0] for line in shared.render().splitlines() if "=" in line]
    print(
        f"wrote {args.file} ({', '.join(names)}): every hubbub started in "
        f"{args.file.resolve().parent} reads it"
    )


def run_server(settings: Settings, *, role: str, host: str, port: int) -> None:
    """Serve the ASGI app with uvicorn (uvloop + httptools) on an already-bound socket."""
    import uvicorn

    from hubbub.bootstrap import bootstrap
    from hubbub.entry.asgi import create_asgi
    from hubbub.entry.ws_protocol import WebSocketProtocol

    try:
        container = bootstrap(settings, role=role)
        container.rpc_address = f"{_display(host)}:{settings.grpc_port}"
        app = create_asgi(container)
    except (RuntimeError, ValueError) as exc:  # a configuration mistake: say it, no traceback
        sys.exit(f"hubbub: {exc}")
    _check_database(settings)
    sock = _bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        ws=WebSocketProtocol,  # websockets-sansio, answering handshakes it cannot parse
        ws_max_size=settings.ws_max_frame_bytes,
        # Compression state costs ~46 kB per socket (zlib) and chat frames are small.
        ws_per_message_deflate=False,
        ws_ping_interval=settings.ws_heartbeat_seconds,
        ws_ping_timeout=settings.ws_idle_timeout_seconds,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        backlog=4096,
        log_config=None,
        access_log=False,
        server_header=False,
        # HTTPS here when given a certificate; behind a proxy that terminates TLS, the
        # proxies listed are believed about the client's address and the scheme.
        ssl_certfile=str(settings.tls_certfile) if settings.tls_certfile else None,
        ssl_keyfile=str(settings.tls_keyfile) if settings.tls_keyfile else None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    server = uvicorn.Server(config)
    secure = settings.tls_certfile is not None
    base = f"{'https' if secure else 'http'}://{_display(bound_host)}:{bound_port}"
    endpoints = (
        f"web client: {base}/  docs: {base}/docs  "
        f"websocket: {'wss' if secure else 'ws'}://{_display(bound_host)}:{bound_port}/ws"
        if ROLES[role].serves_clients
        else f"health: {base}/healthz  metrics: {base}/metrics"
    )
    if ROLES[role].serves_rpc:
        endpoints += f"  grpc: {_display(host)}:{settings.grpc_port}"
    print(
        f"hubbub ({role}) listening on {base}  {endpoints}  "
        f"database: {_redacted(settings.effective_database_url)}",
        flush=True,
    )
    structlog.get_logger("hubbub").info("listening", url=base, role=role)
    # uvicorn re-raises the signal it stopped on once shutdown is done; with this handler in
    # place that is a no-op, so a graceful SIGTERM ends with exit status 0 (not -15).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    server.run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sys.exit(f"hubbub: cannot listen on {host}:{port}: {exc.strerror}")
    sock.set_inheritable(True)
    return sock


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _redacted(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, location = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


def _check_database(settings: Settings) -> None:
    """A shared database must be reachable and migrated before serving: say so in a sentence,
    rather than with a traceback from the first request (or the start-up) that needs it."""
    from hubbub.infra.db.preflight import DatabaseProblem, check_database

    if settings.is_sqlite:
        return  # a file of this process's own, migrated on start
    try:
        asyncio.run(
            check_database(
                settings.effective_database_url, migrated=not settings.should_migrate_on_start
            )
        )
    except DatabaseProblem as problem:
        sys.exit(f"hubbub: {problem}")


async def _upgrade(settings: Settings) -> None:
    from hubbub.infra.db import Database
    from hubbub.infra.db.migrate import upgrade
    from hubbub.infra.db.preflight import explain

    url = settings.effective_database_url
    db = Database(url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        await upgrade(db)
    except Exception as exc:
        problem = explain(exc, url)
        if problem is None:
            raise
        raise problem from None
    finally:
        await db.dispose()

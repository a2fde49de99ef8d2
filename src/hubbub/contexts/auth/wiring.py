"""Assembly of the auth context: here, or served elsewhere and called over gRPC."""

import grpc

from hubbub.contexts.auth.api import AuthApi
from hubbub.contexts.auth.hashing import Argon2PasswordHasher
from hubbub.contexts.auth.rpc import SERVICE, GrpcAuthApi, add_auth_service
from hubbub.contexts.auth.service import LocalAuthApi
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.auth.store import SqlCredentialStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.infra.rpc import ClientPolicy, ClientTls, RpcServer, open_channel
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache


def local_auth(
    *, db: Database, users: UsersApi, cache: Cache, secret: str, ttl_seconds: int, clock: Clock
) -> tuple[LocalAuthApi, SessionGate]:
    """The auth context running in this process on `db`, and its session gate (which the
    process wires to the fan-out: `bind_notices`, and `forget` on notices from others)."""
    store = SqlCredentialStore(db)
    gate = SessionGate(store=store, cache=cache)
    api = LocalAuthApi(
        users=users,
        credentials=store,
        hasher=Argon2PasswordHasher(),
        sessions=gate,
        secret=secret,
        ttl_seconds=ttl_seconds,
        clock=clock,
    )
    return api, gate


def auth_channel(
    address: str, *, policy: ClientPolicy, tls: ClientTls | None = None
) -> grpc.aio.Channel:
    """A channel to the auth service at `address` (`HUBBUB_PEERS_AUTH`)."""
    return open_channel("auth", address, [SERVICE], policy=policy, tls=tls)


def remote_auth(channel: grpc.aio.Channel) -> AuthApi:
    """The auth context served by another process, called over `channel`."""
    return GrpcAuthApi(channel)


def serve_auth(server: RpcServer, api: AuthApi) -> None:
    """Serve `api` (the local auth context) as the AuthService of `server`."""
    server.add(SERVICE, lambda grpc_server: add_auth_service(grpc_server, api))

"""Assembly of the users context: here, or served elsewhere and called over gRPC."""

import grpc

from hubbub.contexts.users.api import PresenceLookup, UsersApi
from hubbub.contexts.users.cached_store import CachedUserStore
from hubbub.contexts.users.rpc import SERVICE, GrpcUsersApi, add_users_service
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.contexts.users.store import SqlUserStore
from hubbub.infra.db import Database
from hubbub.infra.rpc import ClientPolicy, ClientTls, RpcServer, open_channel
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache


def local_users(
    *, db: Database, presence: PresenceLookup, clock: Clock, cache: Cache
) -> LocalUsersApi:
    """The users context running in this process on `db`, profiles read through `cache`."""
    store = CachedUserStore(SqlUserStore(db), cache)
    return LocalUsersApi(store=store, presence=presence, clock=clock)


def users_channel(
    address: str, *, policy: ClientPolicy, tls: ClientTls | None = None
) -> grpc.aio.Channel:
    """A channel to the users service at `address` (`HUBBUB_PEERS_USERS`)."""
    return open_channel("users", address, [SERVICE], policy=policy, tls=tls)


def remote_users(channel: grpc.aio.Channel) -> UsersApi:
    """The users context served by another process, called over `channel`."""
    return GrpcUsersApi(channel)


def serve_users(server: RpcServer, api: UsersApi) -> None:
    """Serve `api` (the local users context) as the UsersService of `server`."""
    server.add(SERVICE, lambda grpc_server: add_users_service(grpc_server, api))

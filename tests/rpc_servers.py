"""Real gRPC servers and clients for tests: the users context served by an in-process
grpc.aio server on a free loopback port, called through a channel with the full client
policy (the same `hubbub.infra.rpc` parts a split deployment runs)."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import grpc

from hubbub.contexts.users import UsersApi
from hubbub.contexts.users.wiring import remote_users, serve_users, users_channel
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.rpc import ClientPolicy, ClientTls, RpcServer, ServerTls
from hubbub.kernel.ports import Cache

Api = TypeVar("Api")

# Short enough that a test of a failure does not wait long, long enough for a slow CI.
TEST_POLICY = ClientPolicy(deadline_seconds=5.0, breaker_threshold=5, breaker_recovery_seconds=1.0)


@dataclass
class Served:
    server: RpcServer
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@asynccontextmanager
async def users_server(
    api: UsersApi,
    *,
    port: int = 0,
    tls: ServerTls | None = None,
    cache: Cache | None = None,
    outer_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    grace_seconds: float = 0.5,
) -> AsyncIterator[Served]:
    """`api` served as the UsersService on 127.0.0.1 (`port` 0: a free one)."""
    server = RpcServer(
        cache=cache or InMemoryCache(),
        idempotency_ttl_seconds=60,
        tls=tls,
        outer_interceptors=outer_interceptors,
    )
    serve_users(server, api)
    bound = await server.start(f"127.0.0.1:{port}")
    try:
        yield Served(server, bound)
    finally:
        await server.stop(grace_seconds)


@asynccontextmanager
async def users_client(
    address: str, *, policy: ClientPolicy = TEST_POLICY, tls: ClientTls | None = None
) -> AsyncIterator[UsersApi]:
    """A `UsersApi` calling the users service at `address`."""
    channel = users_channel(address, policy=policy, tls=tls)
    try:
        yield remote_users(channel)
    finally:
        await channel.close()


@asynccontextmanager
async def served_users(api: UsersApi) -> AsyncIterator[UsersApi]:
    """`api` as a caller in another process would see it: over gRPC on loopback."""
    async with users_server(api) as served, users_client(served.address) as remote:
        yield remote


@asynccontextmanager
async def served_over_grpc(
    api: Api,
    *,
    serve: Callable[[RpcServer, Api], None],
    channel: Callable[..., grpc.aio.Channel],
    remote: Callable[[grpc.aio.Channel], Api],
) -> AsyncIterator[Api]:
    """`api` served by a real grpc.aio server on loopback (`serve`, the context's wiring),
    and the context's gRPC client calling it with the full client policy: any context's
    `Api` as a caller in another process would see it."""
    server = RpcServer(cache=InMemoryCache(), idempotency_ttl_seconds=60)
    serve(server, api)
    port = await server.start("127.0.0.1:0")
    client = channel(f"127.0.0.1:{port}", policy=TEST_POLICY)
    try:
        yield remote(client)
    finally:
        await client.close()
        await server.stop(0.5)

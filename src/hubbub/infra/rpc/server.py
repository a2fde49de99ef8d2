"""The gRPC server of a process: its contexts' services behind the server policy, the
standard health service and reflection, optional TLS, and a graceful stop.

Every call goes through, outermost first: the caller's request id and user id bound into
the logs' context; timing (metrics and one `rpc_served` log line); kernel errors answered
as status codes; repeated idempotency keys answered with the first answer. Health answers
SERVING for the server ("") and each service until the stop begins, then NOT_SERVING, so
that balancers stop sending new calls while the calls in flight finish.
"""

from collections.abc import Callable, Sequence

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import SERVICE_NAME as HEALTH_SERVICE
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from hubbub.infra.rpc.errors import ServerErrors
from hubbub.infra.rpc.idempotency import ReplayAnswers
from hubbub.infra.rpc.measure import ServerTiming
from hubbub.infra.rpc.propagation import BindContext
from hubbub.infra.rpc.tls import ServerTls
from hubbub.kernel.ports import Cache

Register = Callable[[grpc.aio.Server], None]
"""Adds one servicer to a server (`add_UsersServiceServicer_to_server(servicer, s)`)."""


class RpcServer:
    """Built where the process is assembled (no event loop needed); `start` binds the port."""

    def __init__(
        self,
        *,
        cache: Cache,
        idempotency_ttl_seconds: float,
        tls: ServerTls | None = None,
        outer_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    ) -> None:
        """`outer_interceptors` run before hubbub's own (tests use them to lose answers)."""
        self._tls = tls
        self._interceptors = [
            *outer_interceptors,
            BindContext(),
            ServerTiming(),
            ServerErrors(),
            ReplayAnswers(cache, ttl_seconds=idempotency_ttl_seconds),
        ]
        self._health = health_aio.HealthServicer()
        self._services: list[tuple[str, Register]] = []
        self._server: grpc.aio.Server | None = None

    def add(self, service: ServiceDescriptor, register: Register) -> None:
        """Serve `service` (before `start`)."""
        self._services.append((service.full_name, register))

    async def start(self, address: str) -> int:
        """Listen on `host:port` (port 0 picks a free one); the port it listens on."""
        server = grpc.aio.server(interceptors=self._interceptors)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        for _, register in self._services:
            register(server)
        names = [name for name, _ in self._services]
        reflection.enable_server_reflection(
            [*names, HEALTH_SERVICE, reflection.SERVICE_NAME], server
        )
        if self._tls is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, self._tls.credentials())
        if port == 0:
            raise OSError(f"gRPC server could not listen on {address}")
        await server.start()
        self._server = server
        for name in ["", *names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return port

    async def stop(self, grace_seconds: float) -> None:
        """Report NOT_SERVING, refuse new calls, let calls in flight finish for up to
        `grace_seconds`, then cancel what is left."""
        await self._health.enter_graceful_shutdown()
        if self._server is not None:
            await self._server.stop(grace_seconds)

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

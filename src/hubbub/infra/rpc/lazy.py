"""Channels opened on first use, and a peer's health as /readyz reports it.

A grpc.aio channel belongs to the event loop it was created on. `bootstrap()` assembles a
process before its server's loop runs, so the channels to peers are made lazily: the
stubs are built at once (they only hold method names), and the real channel is opened on
the first call, inside the loop that serves.
"""

from collections.abc import Callable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


class LazyChannel(grpc.aio.Channel):
    """A channel that opens `open()` on first use."""

    def __init__(self, open_channel: Callable[[], grpc.aio.Channel]) -> None:
        self._open = open_channel
        self._channel: grpc.aio.Channel | None = None

    @property
    def opened(self) -> bool:
        return self._channel is not None

    def real(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = self._open()
        return self._channel

    async def __aenter__(self) -> "LazyChannel":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self, grace: float | None = None) -> None:
        if self._channel is not None:
            await self._channel.close(grace)

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return self.real().get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        await self.real().wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        await self.real().channel_ready()

    def unary_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _Deferred(self, "unary_unary", method, args, kwargs)

    def unary_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _Deferred(self, "unary_stream", method, args, kwargs)

    def stream_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _Deferred(self, "stream_unary", method, args, kwargs)

    def stream_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _Deferred(self, "stream_stream", method, args, kwargs)


class _Deferred:
    """A multi-callable whose real one is made on the first call."""

    def __init__(
        self,
        channel: LazyChannel,
        kind: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self._channel = channel
        self._make = (kind, method, args, kwargs)
        self._callable: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._callable is None:
            kind, method, make_args, make_kwargs = self._make
            self._callable = getattr(self._channel.real(), kind)(method, *make_args, **make_kwargs)
        return self._callable(*args, **kwargs)


async def peer_serving(channel: grpc.aio.Channel, service: str, *, seconds: float) -> bool:
    """True when the peer's standard health service says `service` is SERVING."""
    check = health_pb2_grpc.HealthStub(channel).Check  # type: ignore[attr-defined]
    try:
        answer = await check(health_pb2.HealthCheckRequest(service=service), timeout=seconds)
    except grpc.aio.AioRpcError:
        return False
    except Exception:  # the client policy's own errors (an open circuit, a kernel error)
        return False
    return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

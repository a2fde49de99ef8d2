"""Faults a server interceptor injects the way networks and peers fail: before the service
ran, or after it ran and its answer was lost. Every attempt is recorded."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import grpc

from hubbub.infra.rpc import metadata
from hubbub.infra.rpc.handlers import wrap_unary
from hubbub.infra.rpc.types import Behavior, Context


@dataclass
class Attempt:
    rpc: str
    metadata: dict[str, str]
    time_remaining: float | None


@dataclass
class Faults(grpc.aio.ServerInterceptor):
    """Fails the first `failures` attempts of the rpcs named in `rpcs` with `code`: before
    the service runs, or (`after_service`) once it ran, so that its answer is lost. Every
    attempt of every unary rpc is recorded; `delay` holds each attempt up first."""

    rpcs: set[str] = field(default_factory=set)
    failures: int = 0
    code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    after_service: bool = False
    delay: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the first attempt arrived."""

    def of(self, rpc: str) -> list[Attempt]:
        return [a for a in self.attempts if a.rpc == rpc]

    async def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        rpc = handler_call_details.method.rsplit("/", 1)[-1]
        received = dict(handler_call_details.invocation_metadata)

        async def faulty(behavior: Behavior, request: Any, context: Context) -> Any:
            self.attempts.append(Attempt(rpc, received, context.time_remaining()))
            self.arrived.set()
            if self.delay:
                await asyncio.sleep(self.delay)
            failing = rpc in self.rpcs and len(self.of(rpc)) <= self.failures
            if failing and not self.after_service:
                await context.abort(self.code, "injected failure")
            response = await behavior(request, context)
            if failing:
                await context.abort(self.code, "injected failure: the answer was lost")
            return response

        return wrap_unary(await continuation(handler_call_details), faulty)


def idempotency_keys(attempts: list[Attempt]) -> list[str | None]:
    return [a.metadata.get(metadata.IDEMPOTENCY_KEY) for a in attempts]

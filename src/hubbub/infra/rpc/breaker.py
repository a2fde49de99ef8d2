"""A circuit breaker per peer (purgatory): after `threshold` calls in a row failed on the
way (UNAVAILABLE or DEADLINE_EXCEEDED, once the call's own retries are spent), calls fail at
once with `Unavailable` (503) for `recovery_seconds`; then one trial call goes through, and
its success closes the circuit again. Answers of the service itself (NOT_FOUND, a conflict,
...) say nothing about the peer's health and never count.
"""

from typing import Any

import grpc
import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.messages.base import Event
from purgatory.domain.model import OpenedState

from hubbub.infra.rpc.errors import PEER_FAILURES
from hubbub.infra.rpc.types import NextCall
from hubbub.kernel.errors import Unavailable

log = structlog.get_logger(__name__)


def _not_a_peer_failure(err: grpc.aio.AioRpcError) -> bool:
    return err.code() not in PEER_FAILURES


class CircuitBreaker(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, peer: str, *, threshold: int, recovery_seconds: float) -> None:
        self._peer = peer
        self._threshold = threshold
        self._recovery_seconds = recovery_seconds
        # Only calls that failed on the way count; everything else is excluded (the first
        # matching entry decides).
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=recovery_seconds,
            exclude=[(grpc.aio.AioRpcError, _not_a_peer_failure), BaseException],
        )
        self._breakers.add_listener(self._log_state)

    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        try:
            breaker = await self._breakers.get_breaker(self._peer)
            async with breaker:
                call = await continuation(client_call_details, request)
                return await call
        except OpenedState:
            raise Unavailable(
                f"the {self._peer} service is unavailable (its last {self._threshold} calls "
                f"failed); trying it again within {self._recovery_seconds:g}s"
            ) from None

    def _log_state(self, name: str, event_type: str, event: Event) -> None:
        if event_type == "state_changed":
            state = getattr(event, "state", "?")
            log.warning("rpc_circuit_changed", peer=name, state=state)

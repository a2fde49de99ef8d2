"""Mutations made safe to repeat: the client gives each one an idempotency key, and the
server answers a repeat of the key with the first answer (synapse's replication `txn_id`).

Retries repeat a call's metadata, so a call whose answer was lost (the connection dropped
after the service had committed) and that the client's retry policy sends again gets the
result of the first attempt instead of a `Conflict` or a duplicate. Answers are kept in the
`Cache` port for a short while (shared through Redis when configured, so any replica can
answer a repeat); a repeat that arrives while the first is still running waits for it in
this process. Only successful answers are kept: a failed call is simply run again. A key
reused for a different request is refused.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from hubbub.infra.rpc import metadata
from hubbub.infra.rpc.handlers import wrap_unary
from hubbub.infra.rpc.methods import rpc_at
from hubbub.infra.rpc.types import Behavior, Context, NextCall, NextHandler
from hubbub.kernel.errors import Invalid
from hubbub.kernel.ports import Cache

MAX_KEY_LENGTH = 128
_DIGEST = 32  # sha256 of the request, stored in front of the answer


class SendIdempotencyKey(grpc.aio.UnaryUnaryClientInterceptor):
    """Gives every call of an IDEMPOTENT rpc a key of its own (kept across its retries)."""

    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        if rpc_at(metadata.method_path(client_call_details)).keyed:
            key = {metadata.IDEMPOTENCY_KEY: uuid.uuid4().hex}
            client_call_details = metadata.with_metadata(client_call_details, key)
        return await continuation(client_call_details, request)


class ReplayAnswers(grpc.aio.ServerInterceptor):
    """Answers a repeated idempotency key of an IDEMPOTENT rpc with the first answer."""

    def __init__(self, cache: Cache, *, ttl_seconds: float) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._running: dict[str, asyncio.Future[bytes]] = {}

    async def intercept_service(
        self,
        continuation: NextHandler,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        rpc = rpc_at(handler_call_details.method)
        key = metadata.value_of(handler_call_details.invocation_metadata, metadata.IDEMPOTENCY_KEY)
        if handler is None or key is None or not rpc.keyed:
            return handler
        serialize: Callable[[Any], bytes] = handler.response_serializer
        cache_key = f"rpc-answer:{rpc.service}/{rpc.name}:{key}"

        async def once(behavior: Behavior, request: Any, context: Context) -> Any:
            if len(key) > MAX_KEY_LENGTH:
                raise Invalid(f"{metadata.IDEMPOTENCY_KEY}: at most {MAX_KEY_LENGTH} characters")
            digest = hashlib.sha256(request.SerializeToString(deterministic=True)).digest()
            return await self._answer(
                cache_key, digest, serialize, lambda: behavior(request, context)
            )

        # A replayed answer is already serialized: it goes out as it was stored.
        def serialize_or_replay(response: Any) -> bytes:
            return response if isinstance(response, bytes) else serialize(response)

        return wrap_unary(handler, once, response_serializer=serialize_or_replay)

    async def _answer(
        self,
        cache_key: str,
        digest: bytes,
        serialize: Callable[[Any], bytes],
        run: Callable[[], Awaitable[Any]],
    ) -> Any:
        while True:
            stored = await self._cache.get(cache_key)
            first = self._running.get(cache_key)
            if stored is None and first is not None:
                await asyncio.wait([first])
                if first.cancelled():
                    continue  # the first attempt failed: this one runs (or waits) anew
                stored = first.result()
            if stored is None:
                return await self._first(cache_key, digest, serialize, run)
            if stored[:_DIGEST] != digest:
                raise Invalid(
                    "idempotency key reused for a different request",
                    code="idempotency_key_reused",
                )
            return stored[_DIGEST:]

    async def _first(
        self,
        cache_key: str,
        digest: bytes,
        serialize: Callable[[Any], bytes],
        run: Callable[[], Awaitable[Any]],
    ) -> Any:
        running: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._running[cache_key] = running
        try:
            response = await run()
            stored = digest + serialize(response)
            await self._cache.set(cache_key, stored, ttl_seconds=self._ttl)
            running.set_result(stored)
            return response
        finally:
            running.cancel()  # a no-op after success; tells waiters the first attempt failed
            if self._running.get(cache_key) is running:
                del self._running[cache_key]

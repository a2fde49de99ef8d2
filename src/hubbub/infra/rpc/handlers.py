"""Server interceptors wrap the behaviour of unary rpcs (all of hubbub's); streaming rpcs
(the health service's Watch, reflection) pass through untouched."""

from collections.abc import Callable
from typing import Any

import grpc

from hubbub.infra.rpc.types import Around, Behavior, Context, MethodHandler


def wrap_unary(
    handler: MethodHandler | None,
    around: Around,
    *,
    response_serializer: Callable[[Any], bytes] | None = None,
) -> MethodHandler | None:
    """`handler` with `around` run around its behaviour (and another serializer if given)."""
    if handler is None or handler.unary_unary is None:
        return handler
    behavior: Behavior = handler.unary_unary  # type: ignore[assignment]  # async under aio

    async def wrapped(request: Any, context: Context) -> Any:
        return await around(behavior, request, context)

    return grpc.unary_unary_rpc_method_handler(
        wrapped,
        request_deserializer=handler.request_deserializer,
        response_serializer=response_serializer or handler.response_serializer,
    )

"""Request ids and the user id across the hop, so both sides' logs name the same request.

The client sends what its own logs carry (structlog's contextvars, bound per HTTP request and
WebSocket frame); a call made outside any request gets a fresh request id. The server binds
what it received into its contextvars for the call, so every line it logs carries them.
"""

import uuid
from typing import Any

import grpc
import structlog

from hubbub.infra.rpc import metadata
from hubbub.infra.rpc.handlers import wrap_unary
from hubbub.infra.rpc.methods import rpc_at
from hubbub.infra.rpc.types import Behavior, Context, NextCall, NextHandler


def outgoing_context() -> dict[str, str]:
    """The metadata that tells the callee who and what this call is for."""
    bound = structlog.contextvars.get_contextvars()
    context = {metadata.REQUEST_ID: str(bound.get("request_id") or uuid.uuid4().hex)}
    if bound.get("user_id") is not None:
        context[metadata.USER_ID] = str(bound["user_id"])
    return context


class SendContext(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        details = metadata.with_metadata(client_call_details, outgoing_context())
        return await continuation(details, request)


class BindContext(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: NextHandler,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        received = handler_call_details.invocation_metadata
        rpc = rpc_at(handler_call_details.method)
        bound: dict[str, str] = {
            "request_id": metadata.value_of(received, metadata.REQUEST_ID) or uuid.uuid4().hex,
            "rpc": f"{rpc.service}/{rpc.name}",
        }
        user_id = metadata.value_of(received, metadata.USER_ID)
        if user_id is not None:
            bound["user_id"] = user_id

        async def within_context(behavior: Behavior, request: Any, context: Context) -> Any:
            # Each rpc runs in a task of its own; the binding ends with the call anyway.
            with structlog.contextvars.bound_contextvars(**bound):
                return await behavior(request, context)

        return wrap_unary(await continuation(handler_call_details), within_context)

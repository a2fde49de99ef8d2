"""The small shared vocabulary of the rpc plumbing's interceptors (starlette's types.py)."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc

if TYPE_CHECKING:
    Context = grpc.aio.ServicerContext[Any, Any]
    MethodHandler = grpc.RpcMethodHandler[Any, Any]
else:  # the type stubs' generics are not subscriptable at run time
    Context = grpc.aio.ServicerContext
    MethodHandler = grpc.RpcMethodHandler

Behavior = Callable[[Any, Context], Awaitable[Any]]
"""An rpc's implementation on the server: (request, context) -> response."""
Around = Callable[[Behavior, Any, Context], Awaitable[Any]]
"""Code a server interceptor runs around a behaviour: (behavior, request, context) -> response."""
NextHandler = Callable[[grpc.HandlerCallDetails], Awaitable[Any]]
"""A server interceptor's continuation: the next interceptor's (or the service's) handler."""
NextCall = Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]]
"""A client interceptor's continuation: the call, through the interceptors after this one."""

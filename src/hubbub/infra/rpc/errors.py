"""One table between the kernel's errors and gRPC status codes, used both ways.

A service raises a kernel error; its server answers the table's status code with the
error's code (and `retry_after`) in the trailing metadata; the client raises the same kernel
error again, with the same status, code and message. So a 403 `not_a_member` from a remote
chats service is still a 403 `not_a_member` at the gateway. A kernel error the table does
not name (one added later) still keeps its HTTP status and code, through `hubbub-error-status`.

A status of the table without a hubbub code (from the health service, say) still becomes
its kernel error, with the error's default code. Failures of the call itself (UNAVAILABLE or
DEADLINE_EXCEEDED without a code: the peer is down or too slow) become `Unavailable` (503);
any other status (a bug over there: UNKNOWN, INTERNAL, UNIMPLEMENTED) becomes `RemoteError`,
a 500 like any bug here.
"""

from typing import Any

import grpc
import structlog

from hubbub.infra.rpc import metadata
from hubbub.infra.rpc.handlers import wrap_unary
from hubbub.infra.rpc.methods import rpc_at
from hubbub.infra.rpc.types import Behavior, Context, NextCall, NextHandler
from hubbub.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)

log = structlog.get_logger(__name__)

TABLE: tuple[tuple[type[DomainError], grpc.StatusCode], ...] = (
    (Invalid, grpc.StatusCode.INVALID_ARGUMENT),  # 422
    (Unauthorized, grpc.StatusCode.UNAUTHENTICATED),  # 401
    (Forbidden, grpc.StatusCode.PERMISSION_DENIED),  # 403
    (NotFound, grpc.StatusCode.NOT_FOUND),  # 404
    (Conflict, grpc.StatusCode.ALREADY_EXISTS),  # 409
    (RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),  # 429, with retry_after
    (Unavailable, grpc.StatusCode.UNAVAILABLE),  # 503
)
_STATUS_OF = dict(TABLE)
_CLASS_OF = {status: error for error, status in TABLE}
# The call failed on the way, not in the service: the peer is down, unreachable or too slow.
PEER_FAILURES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


class RemoteError(RuntimeError):
    """A peer failed in a way it did not mean to (a bug over there): a 500 here."""


def status_of(exc: DomainError) -> tuple[grpc.StatusCode, tuple[tuple[str, str], ...]]:
    """The status code and trailing metadata that carry `exc` to the caller."""
    trailing = [(metadata.ERROR_CODE, exc.code)]
    named = next((error for error in type(exc).__mro__ if error in _STATUS_OF), None)
    if named is not None:
        status = _STATUS_OF[named]
    else:
        status = (
            grpc.StatusCode.INTERNAL if exc.status >= 500 else grpc.StatusCode.FAILED_PRECONDITION
        )
    if named is None or named.status != exc.status:  # keep the HTTP status of the unnamed
        trailing.append((metadata.ERROR_STATUS, str(exc.status)))
    if isinstance(exc, RateLimited):
        trailing.append((metadata.RETRY_AFTER, str(exc.retry_after)))
    return status, tuple(trailing)


def error_from(err: grpc.aio.AioRpcError, *, peer: str) -> Exception:
    """The exception a caller of `peer` sees for a failed call."""
    trailing = err.trailing_metadata()
    code = metadata.value_of(trailing, metadata.ERROR_CODE)
    message = err.details() or err.code().name.lower()
    http_status = metadata.value_of(trailing, metadata.ERROR_STATUS)
    if code is not None and http_status is not None:
        unnamed = DomainError(message, code=code)
        unnamed.status = int(http_status)
        return unnamed
    if code is None and err.code() in PEER_FAILURES:
        return Unavailable(f"the {peer} service is unavailable, try again shortly")
    error = _CLASS_OF.get(err.code())
    if error is None:
        return RemoteError(f"{peer}: {err.code().name}: {message}")
    if error is RateLimited:
        retry_after = int(metadata.value_of(trailing, metadata.RETRY_AFTER) or 1)
        limited = RateLimited(message, retry_after=retry_after)
        limited.code = code or limited.code
        return limited
    return error(message, code=code)


class ServerErrors(grpc.aio.ServerInterceptor):
    """Answers a kernel error with its status; hides everything else behind INTERNAL."""

    async def intercept_service(
        self,
        continuation: NextHandler,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        return wrap_unary(await continuation(handler_call_details), _answer_errors)


async def _answer_errors(behavior: Behavior, request: Any, context: Context) -> Any:
    try:
        return await behavior(request, context)
    except DomainError as exc:
        status, trailing = status_of(exc)
        await context.abort(status, exc.message, trailing_metadata=trailing)
    except (grpc.aio.AbortError, grpc.RpcError):
        raise  # the handler chose its status itself
    except Exception:
        # The details would reach the caller: the bug is logged here, with its traceback.
        log.exception("rpc_failed")
        await context.abort(grpc.StatusCode.INTERNAL, "internal error")


class ClientErrors(grpc.aio.UnaryUnaryClientInterceptor):
    """Raises the kernel error a failed call carries (see `error_from`)."""

    def __init__(self, peer: str) -> None:
        self._peer = peer

    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        try:
            call = await continuation(client_call_details, request)
            return await call
        except grpc.aio.AioRpcError as err:
            error = error_from(err, peer=self._peer)
            if not isinstance(error, DomainError) or isinstance(error, Unavailable):
                log.warning(
                    "rpc_call_failed",
                    peer=self._peer,
                    rpc=rpc_at(metadata.method_path(client_call_details)).name,
                    status=err.code().name,
                    details=err.details(),
                )
            raise error from None

"""How long calls take and how they end: `hubbub_grpc_request_duration_seconds` on both
sides (label `side`: `client` is the whole call as its caller waited for it, retries
included; `server` is the handler), and one `rpc_served` log line per call on the server."""

import time
from typing import Any

import grpc
import structlog

from hubbub.infra.observability.metrics import GRPC_DURATION
from hubbub.infra.rpc.errors import status_of
from hubbub.infra.rpc.handlers import wrap_unary
from hubbub.infra.rpc.metadata import method_path
from hubbub.infra.rpc.methods import Rpc, rpc_at
from hubbub.infra.rpc.types import Behavior, Context, NextCall, NextHandler
from hubbub.kernel.errors import DomainError

log = structlog.get_logger("hubbub.rpc")


def _observe(side: str, rpc: Rpc, code: grpc.StatusCode, started: float) -> float:
    elapsed = time.perf_counter() - started
    GRPC_DURATION.labels(side, rpc.service, rpc.name, code.name).observe(elapsed)
    return elapsed


class ServerTiming(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: NextHandler,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        rpc = rpc_at(handler_call_details.method)

        async def timed(behavior: Behavior, request: Any, context: Context) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.UNKNOWN
            try:
                response = await behavior(request, context)
                code = context.code() or grpc.StatusCode.OK
                return response
            except DomainError as exc:  # when no error interceptor runs inside this one
                code = status_of(exc)[0]
                raise
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            finally:
                elapsed = _observe("server", rpc, code, started)
                log.info("rpc_served", status=code.name, duration_ms=round(elapsed * 1000, 2))

        return wrap_unary(await continuation(handler_call_details), timed)


class ClientTiming(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        rpc = rpc_at(method_path(client_call_details))
        started = time.perf_counter()
        code = grpc.StatusCode.UNKNOWN
        try:
            call = await continuation(client_call_details, request)
            response = await call
            code = grpc.StatusCode.OK
            return response
        except grpc.aio.AioRpcError as err:
            code = err.code()
            raise
        except DomainError as exc:  # an open circuit answers without calling
            code = status_of(exc)[0]
            raise
        finally:
            _observe("client", rpc, code, started)

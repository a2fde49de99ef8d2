"""A deadline on every call, set on the client.

gRPC waits forever for a call without a deadline, and the `timeout` of a service config is
not reliably applied by grpc's Python client, so this interceptor gives every call the
policy's deadline unless its caller chose one. The deadline covers the call's retries too.
"""

from typing import Any

import grpc

from hubbub.infra.rpc.metadata import with_timeout
from hubbub.infra.rpc.types import NextCall


class Deadline(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    async def intercept_unary_unary(
        self,
        continuation: NextCall,
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        if client_call_details.timeout is None:
            client_call_details = with_timeout(client_call_details, self._seconds)
        return await continuation(client_call_details, request)

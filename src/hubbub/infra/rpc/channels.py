"""Channels to peers: where a context is served (`HUBBUB_PEERS_<CONTEXT>`), how calls to it
are balanced and retried, and the client policy every call goes through.

The retry policy is the design's, in gRPC's own service config: 3 attempts, backoff from
0.1 s to 1 s (x2), on UNAVAILABLE and DEADLINE_EXCEEDED, and only for the rpcs that declare
themselves safe to repeat. Calls are spread round robin over every address the target
resolves to (`dns:///name:port` with several replicas, or a list of addresses).
"""

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from hubbub.infra.rpc.breaker import CircuitBreaker
from hubbub.infra.rpc.deadline import Deadline
from hubbub.infra.rpc.errors import ClientErrors
from hubbub.infra.rpc.idempotency import SendIdempotencyKey
from hubbub.infra.rpc.measure import ClientTiming
from hubbub.infra.rpc.methods import safe_methods
from hubbub.infra.rpc.propagation import SendContext
from hubbub.infra.rpc.tls import ClientTls

RETRY_POLICY = {
    "maxAttempts": 3,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE", "DEADLINE_EXCEEDED"],
}
# Reconnect to a peer that went away within seconds, not gRPC's default two minutes, so
# that a restarted service is used again soon after it is back.
_CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.enable_retries", 1),
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 5000),
)


@dataclass(frozen=True)
class ClientPolicy:
    deadline_seconds: float = 2.0
    breaker_threshold: int = 5
    breaker_recovery_seconds: float = 10.0


def target_of(address: str) -> str:
    """The gRPC target for a peer setting: `host:port`, `dns:///name:port` (every address the
    name resolves to), or `ip:port,ip:port,...` (several replicas by address)."""
    address = address.strip()
    if address.startswith(("dns:", "ipv4:", "ipv6:", "unix:")):
        return address
    parts = [part.strip() for part in address.split(",")]
    for part in parts:
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"peer address {part!r}: expected host:port")
    if len(parts) == 1:
        return f"dns:///{parts[0]}"
    try:
        hosts = [ipaddress.ip_address(p.rpartition(":")[0].strip("[]")) for p in parts]
    except ValueError:
        raise ValueError(
            f"peer addresses {address!r}: a list must be IP addresses; "
            "name replicas by one DNS name instead (dns:///name:port)"
        ) from None
    versions = {host.version for host in hosts}
    if len(versions) > 1:
        raise ValueError(f"peer addresses {address!r}: do not mix IPv4 and IPv6")
    return f"ipv{versions.pop()}:{','.join(parts)}"


def service_config(services: Sequence[ServiceDescriptor]) -> str:
    """Round robin over the target's addresses; retries for the rpcs safe to repeat."""
    names = [
        {"service": service.full_name, "method": method}
        for service in services
        for method in safe_methods(service)
    ]
    config: dict[str, object] = {"loadBalancingConfig": [{"round_robin": {}}]}
    if names:
        config["methodConfig"] = [{"name": names, "retryPolicy": RETRY_POLICY}]
    return json.dumps(config)


def open_channel(
    peer: str,
    address: str,
    services: Sequence[ServiceDescriptor],
    *,
    policy: ClientPolicy,
    tls: ClientTls | None = None,
) -> grpc.aio.Channel:
    """A channel to the `peer` context at `address`, with the client policy on every call."""
    interceptors: list[grpc.aio.ClientInterceptor] = [
        ClientErrors(peer),  # outermost: callers see kernel errors only
        ClientTiming(),
        CircuitBreaker(
            peer,
            threshold=policy.breaker_threshold,
            recovery_seconds=policy.breaker_recovery_seconds,
        ),
        Deadline(policy.deadline_seconds),
        SendContext(),
        SendIdempotencyKey(),
    ]
    options = [*_CHANNEL_OPTIONS, ("grpc.service_config", service_config(services))]
    target = target_of(address)
    if tls is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    credentials = tls.credentials()
    return grpc.aio.secure_channel(target, credentials, options=options, interceptors=interceptors)

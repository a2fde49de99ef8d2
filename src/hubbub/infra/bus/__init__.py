"""Bus adapters, chosen by URL scheme."""

from typing import Any
from urllib.parse import parse_qsl

from hubbub.infra.bus.kafka import KafkaBus
from hubbub.infra.bus.memory import InMemoryBus
from hubbub.infra.bus.redis_streams import RedisStreamsBus
from hubbub.kernel.ports import Bus

SUPPORTED_SCHEMES = "memory://, redis://, rediss://, kafka://host:port[,host:port]"

KAFKA_OPTIONS = {
    "session_timeout_ms": int,
    "heartbeat_interval_ms": int,
    "request_timeout_ms": int,
    "replication_factor": int,
    "stop_timeout_seconds": float,
}
"""Consumer tuning a Kafka URL may carry as its query (`kafka://b1:9092?session_timeout_ms=…`)."""


def bus_from_url(url: str, *, namespace: str = "hubbub", partitions: int = 8) -> Bus:
    """The bus adapter for `url`. `namespace` prefixes its streams/topics and `partitions` is
    how many partitions a topic has (every process of a deployment must use the same)."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme == "memory":
        return InMemoryBus(partitions=partitions)
    if separator and scheme in ("redis", "rediss"):
        return RedisStreamsBus(url, namespace=namespace, partitions=partitions)
    if separator and scheme == "kafka":
        location, _, query = rest.partition("?")
        servers = location.strip("/")
        if not servers:
            raise ValueError(f"HUBBUB_BUS_URL {url!r} names no broker (kafka://host:port)")
        return KafkaBus(
            bootstrap_servers=servers,
            namespace=namespace,
            partitions=partitions,
            **_kafka_options(query),
        )
    raise ValueError(
        f"unsupported HUBBUB_BUS_URL scheme {scheme!r} (supported: {SUPPORTED_SCHEMES})"
    )


def _kafka_options(query: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, value in parse_qsl(query, strict_parsing=bool(query)):
        kind = KAFKA_OPTIONS.get(name)
        if kind is None:
            raise ValueError(
                f"unknown HUBBUB_BUS_URL option {name!r} (known: {', '.join(KAFKA_OPTIONS)})"
            )
        try:
            options[name] = kind(value)
        except ValueError:
            raise ValueError(f"HUBBUB_BUS_URL option {name}={value!r} is not a number") from None
    return options


__all__ = ["InMemoryBus", "KafkaBus", "RedisStreamsBus", "bus_from_url"]

"""Bus adapters, chosen by URL scheme."""

from hubbub.infra.bus.kafka import KafkaBus
from hubbub.infra.bus.memory import InMemoryBus
from hubbub.infra.bus.redis_streams import RedisStreamsBus
from hubbub.kernel.ports import Bus

SUPPORTED_SCHEMES = "memory://, redis://, rediss://, kafka://host:port[,host:port]"


def bus_from_url(url: str, *, namespace: str = "hubbub", partitions: int = 8) -> Bus:
    """The bus adapter for `url`. `namespace` prefixes its streams/topics and `partitions` is
    how many partitions a topic has (every process of a deployment must use the same)."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme == "memory":
        return InMemoryBus()
    if separator and scheme in ("redis", "rediss"):
        return RedisStreamsBus(url, namespace=namespace, partitions=partitions)
    if separator and scheme == "kafka":
        servers = rest.strip("/")
        if not servers:
            raise ValueError(f"HUBBUB_BUS_URL {url!r} names no broker (kafka://host:port)")
        return KafkaBus(bootstrap_servers=servers, namespace=namespace, partitions=partitions)
    raise ValueError(
        f"unsupported HUBBUB_BUS_URL scheme {scheme!r} (supported: {SUPPORTED_SCHEMES})"
    )


__all__ = ["InMemoryBus", "KafkaBus", "RedisStreamsBus", "bus_from_url"]

"""Bus adapters, chosen by URL scheme."""

from hubbub.infra.bus.memory import InMemoryBus
from hubbub.kernel.ports import Bus


def bus_from_url(url: str) -> Bus:
    """The bus adapter for `url` (`memory://`; Redis Streams and Kafka come with scale-out)."""
    scheme, separator, _ = url.partition("://")
    if scheme == "memory" and separator:
        return InMemoryBus()
    raise ValueError(f"unsupported HUBBUB_BUS_URL scheme {scheme!r} (supported: memory://)")


__all__ = ["InMemoryBus", "bus_from_url"]

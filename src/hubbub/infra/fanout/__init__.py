"""Fan-out adapters, chosen by URL scheme."""

from hubbub.infra.fanout.memory import InMemoryFanout
from hubbub.infra.fanout.redis import RedisFanout
from hubbub.kernel.ports import Fanout


def fanout_from_url(url: str, *, instance: str, namespace: str = "hubbub") -> Fanout:
    """The fan-out for `url`: `memory://` (one process) or `redis://` (many gateways)."""
    scheme, separator, _ = url.partition("://")
    if scheme == "memory" and separator:
        return InMemoryFanout()
    if scheme in ("redis", "rediss", "unix") and separator:
        return RedisFanout(url, instance=instance, namespace=namespace)
    raise ValueError(
        f"unsupported HUBBUB_FANOUT_URL scheme {scheme!r} (supported: memory://, redis://)"
    )


__all__ = ["InMemoryFanout", "RedisFanout", "fanout_from_url"]

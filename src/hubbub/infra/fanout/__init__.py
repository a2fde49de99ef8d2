"""Fan-out adapters, chosen by URL scheme."""

from hubbub.infra.fanout.memory import InMemoryFanout
from hubbub.kernel.ports import Fanout


def fanout_from_url(url: str) -> Fanout:
    """The fan-out adapter for `url` (`memory://`; Redis pub/sub comes with scale-out)."""
    scheme, separator, _ = url.partition("://")
    if scheme == "memory" and separator:
        return InMemoryFanout()
    raise ValueError(f"unsupported HUBBUB_FANOUT_URL scheme {scheme!r} (supported: memory://)")


__all__ = ["InMemoryFanout", "fanout_from_url"]

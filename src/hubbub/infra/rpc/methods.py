"""What the proto says about an rpc: its service, its name, and whether it is safe to repeat.

Every hubbub rpc declares `option idempotency_level` (a test checks it): NO_SIDE_EFFECTS for
reads, IDEMPOTENT for mutations made safe by an idempotency key. The clients' retry policy,
their idempotency keys and the servers' replay cache all read it from here, so the proto is
the one place that says which calls may be repeated. Rpcs of other packages (the health
service's) declare nothing and are never retried.
"""

from dataclasses import dataclass
from functools import cache

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions

_SAFE = (MethodOptions.NO_SIDE_EFFECTS, MethodOptions.IDEMPOTENT)


@dataclass(frozen=True)
class Rpc:
    service: str
    """The full name: `hubbub.users.v1.UsersService`."""
    name: str
    """`GetUserByID`."""
    reads_only: bool
    """NO_SIDE_EFFECTS: repeating it changes nothing."""
    safe_to_repeat: bool
    """NO_SIDE_EFFECTS or IDEMPOTENT: the client may retry it."""

    @property
    def keyed(self) -> bool:
        """A mutation declared IDEMPOTENT: safe to repeat thanks to its idempotency key."""
        return self.safe_to_repeat and not self.reads_only


@cache
def rpc_at(path: str) -> Rpc:
    """The rpc at `/hubbub.users.v1.UsersService/GetUserByID`."""
    service, _, name = path.lstrip("/").partition("/")
    try:
        method = descriptor_pool.Default().FindMethodByName(f"{service}.{name}")
        level = method.GetOptions().idempotency_level
    except KeyError:  # not described in this process (another package's service)
        level = MethodOptions.IDEMPOTENCY_UNKNOWN
    return Rpc(
        service=service,
        name=name,
        reads_only=level == MethodOptions.NO_SIDE_EFFECTS,
        safe_to_repeat=level in _SAFE,
    )


def safe_methods(service: ServiceDescriptor) -> list[str]:
    """The names of the service's rpcs that may be retried."""
    return [m.name for m in service.methods if m.GetOptions().idempotency_level in _SAFE]

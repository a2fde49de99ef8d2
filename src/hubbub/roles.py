"""Roles: which parts a process runs. A role is data, not a separate program.

This build runs everything in one process (`all`); the split roles (gateway, relay, the
gRPC servers of each context, assistant workers) arrive with scale-out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str
    description: str


ROLES = {
    "all": Role("all", "every context, REST + WebSocket, the outbox relay and the bus consumers"),
}

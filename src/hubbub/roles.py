"""Roles: which parts a process runs. A role is data, not a separate program: every process
is the same `hubbub serve <role>`, and `bootstrap()` builds only what its role asks for.

`all` is the embedded default. To scale out, run any number of `gateway`s behind a load
balancer, one or more `relay`s and `assistant`s, all on the same PostgreSQL, Redis and bus.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    serves_clients: bool
    """REST API + WebSocket (the contexts, the fan-out and presence)."""
    relays_outbox: bool
    """Moves committed outbox rows to the durable bus."""
    runs_assistant: bool = False
    """Consumes the bus for the AI assistant: stored messages → jobs → advice and replies."""
    runs_consumers: bool = False
    """The contexts' own bus consumers: a deleted account's data erased (`user.deleted`)."""
    indexes_search: bool = False
    """Consumes the bus to index new messages for search."""
    serves_rpc: tuple[str, ...] = ()
    """Contexts this process runs and serves over gRPC on `--grpc-port` (issue 12); its
    `--port` serves /healthz, /readyz and /metrics."""
    runs_mood: bool = False
    """Consumes the diary's written entries from the bus and records their mood."""


ROLES = {
    "all": Role(
        "all",
        "everything in one process: REST + WebSocket, the outbox relay, the assistant, "
        "the search indexer and the mood analyser",
        serves_clients=True,
        relays_outbox=True,
        runs_assistant=True,
        runs_consumers=True,
        indexes_search=True,
        runs_mood=True,
    ),
    "gateway": Role(
        "gateway", "REST API + WebSocket; scale out behind a load balancer", True, False
    ),
    "relay": Role(
        "relay",
        "the outbox relay to the durable bus and the contexts' own consumers; run one or more",
        serves_clients=False,
        relays_outbox=True,
        runs_consumers=True,
    ),
    "assistant": Role(
        "assistant",
        "the AI assistant's bus consumers (advice, autoreply); run one or more",
        serves_clients=False,
        relays_outbox=False,
        runs_assistant=True,
    ),
    # Services over gRPC (issue 12): one context each, from the same code; a caller reaches
    # it when HUBBUB_PEERS_<CONTEXT> names its address.
    **{
        name: Role(
            name,
            f"the {name} context as a gRPC service on --grpc-port (ops on --port)",
            serves_clients=False,
            relays_outbox=False,
            serves_rpc=(name,),
        )
        for name in ("auth", "users", "chats")
    },
    "indexer": Role(
        "indexer",
        "the search indexer's bus consumer (new messages into the index); run one or more",
        serves_clients=False,
        relays_outbox=False,
        indexes_search=True,
    ),
    "mood": Role(
        "mood",
        "the mood analyser's bus consumer (diary entries -> their mood); run one or more",
        serves_clients=False,
        relays_outbox=False,
        runs_mood=True,
    ),
}

"""The vocabulary of event sourcing: what an event store keeps, how a stale write fails, and
the registry of event types that reads old schema versions through upcasters.

The store itself (`hubbub.infra.eventstore`) is an adapter over the application's database;
this module is pure: no IO.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubbub.kernel.errors import Conflict

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class VersionConflict(Conflict):
    """The stream moved on since the version the writer last saw (optimistic concurrency)."""

    code = "version_conflict"


class UnknownEventType(LookupError):
    """An event type (or schema version) the registry does not know."""


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Who caused an event and in which request (both optional: a worker has no request)."""

    actor: str | None = None
    request_id: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"actor": self.actor, "request_id": self.request_id}


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its registered type and a JSON-ready payload at the type's current
    schema version."""

    type: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: `position` is global (commit order, no gaps), `version` is its
    place in its stream (1, 2, ...). `data` is upcast to the current schema version;
    `schema_version` is the version it was written with."""

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    occurred_at: datetime
    metadata: EventMetadata
    data: Payload


@dataclass
class EventTypes:
    """The registry: each type's current schema version and the upcasters from older ones
    (`upcasters[n]` turns a version-n payload into a version-n+1 one)."""

    _current: dict[str, int] = field(default_factory=dict)
    _upcasters: dict[tuple[str, int], Upcaster] = field(default_factory=dict)

    def register(
        self, name: str, *, version: int = 1, upcasters: Mapping[int, Upcaster] | None = None
    ) -> None:
        if version < 1:
            raise ValueError("schema versions start at 1")
        steps = dict(upcasters or {})
        missing = [v for v in range(1, version) if v not in steps]
        if missing:
            raise ValueError(f"{name}: no upcaster from schema version(s) {missing}")
        self._current[name] = version
        for old, upcast in steps.items():
            self._upcasters[(name, old)] = upcast

    def current(self, name: str) -> int:
        try:
            return self._current[name]
        except KeyError:
            raise UnknownEventType(f"unregistered event type {name!r}") from None

    def upcast(self, name: str, schema_version: int, data: Payload) -> Payload:
        """`data` of `name` written at `schema_version`, as the current version reads it."""
        current = self.current(name)
        if schema_version > current:
            raise UnknownEventType(f"{name} v{schema_version} is newer than this code (v{current})")
        for step in range(schema_version, current):
            data = self._upcasters[(name, step)](dict(data))
        return data

    def names(self) -> frozenset[str]:
        return frozenset(self._current)

"""Domain events: frozen, past-tense, JSON-serialisable records of what happened."""

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, get_type_hints
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Event:
    """Base event. `topic` names the bus topic; `key` orders events sharing it."""

    topic: ClassVar[str] = ""
    version: ClassVar[int] = 1

    @property
    def key(self) -> str:
        raise NotImplementedError

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict of the event, with its schema version."""
        data = {name: _plain(value) for name, value in asdict(self).items()}
        data["version"] = self.version
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "Event":
        """Rebuild the event from `to_payload` output (unknown keys are ignored)."""
        kwargs: dict[str, Any] = {}
        for name, wanted in _field_types(cls):
            value = data.get(name)
            if isinstance(value, str) and wanted in (UUID, UUID | None):
                value = UUID(value)
            elif isinstance(value, str) and wanted in (datetime, datetime | None):
                value = datetime.fromisoformat(value)
            kwargs[name] = value
        return cls(**kwargs)


_FIELD_TYPES: dict[type[Event], tuple[tuple[str, Any], ...]] = {}


def _field_types(cls: type[Event]) -> tuple[tuple[str, Any], ...]:
    """Each field's name and type, resolved once per class: consumers rebuild an event for
    every record, and resolving the annotations costs more than the rest of it."""
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = _FIELD_TYPES[cls] = tuple((f.name, hints[f.name]) for f in fields(cls))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value

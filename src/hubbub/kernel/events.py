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
        hints = get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            wanted = hints[f.name]
            if isinstance(value, str) and wanted in (UUID, UUID | None):
                value = UUID(value)
            elif isinstance(value, str) and wanted in (datetime, datetime | None):
                value = datetime.fromisoformat(value)
            kwargs[f.name] = value
        return cls(**kwargs)


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value

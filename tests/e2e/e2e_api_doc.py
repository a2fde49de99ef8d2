"""What docs/API.md promises, read the simple way: REST operations written as `` `METHOD /path` ``
and WebSocket frames written as `{"type": "name", ...}` (in an item that names no REST operation:
there it is a request body), each with where it is written.

The document is cut into items: a heading, a paragraph or a list item. An item is *planned* when
it, or the heading of its section, says "planned: issue N"; planned items promise nothing yet.
Frames listed under a "Client → server" line are client frames (up to an arrow `→`: what follows
it is the server's answer); every other frame is one the server sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
API_DOC = REPO / "docs" / "API.md"

METHODS = "GET|POST|PUT|PATCH|DELETE"
# `GET /api/v1/chats?limit=20`, `GET|PATCH|DELETE /api/v1/diary/entries/{id}`
_OPERATION = re.compile(rf"`((?:{METHODS})(?:\|(?:{METHODS}))*) (/[^`\s?\[]*)[^`]*`")
# `PUT` / `DELETE /path`: a lone method joins the operation that follows it.
_LONE_METHOD = re.compile(rf"`({METHODS})`\s*(?:/|,|or|and)\s*`(?={METHODS})")
_FRAME = re.compile(r'\{\s*"type"\s*:\s*"([a-z_]+)"')
_PLANNED = re.compile(r"planned:\s*issue", re.IGNORECASE)
_CLIENT_LIST = re.compile(r"client\s*→\s*server", re.IGNORECASE)
_SERVER_LIST = re.compile(r"server\s*→\s*client", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """Where something is written: a line of docs/API.md and its section."""

    line: int
    section: str

    def __str__(self) -> str:
        return f"docs/API.md:{self.line} ({self.section})"


@dataclass
class Contract:
    """Operations `(METHOD, /path/{})` and frame types, promised or planned, with places."""

    operations: dict[tuple[str, str], Place] = field(default_factory=dict)
    planned_operations: dict[tuple[str, str], Place] = field(default_factory=dict)
    client_frames: dict[str, Place] = field(default_factory=dict)
    server_frames: dict[str, Place] = field(default_factory=dict)


def template(path: str) -> str:
    """A path with its parameters unnamed (`/chats/{id}` and `/chats/{chat_id}` are one)."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def read_contract(text: str) -> Contract:
    """Everything docs/API.md promises (`text` is its content)."""
    contract = Contract()
    for place, item, planned, direction in _items(text):
        operations = contract.planned_operations if planned else contract.operations
        for operation in _operations(item):
            operations.setdefault(operation, place)
        if planned or _OPERATION.search(item):
            continue  # a `{"type": …}` next to an operation is its body, not a frame
        for position, match in enumerate(_FRAME.finditer(item)):
            before_arrow = "→" not in item[: match.start()]
            if direction == "client" and position == 0 and before_arrow:
                contract.client_frames.setdefault(match.group(1), place)
            else:
                contract.server_frames.setdefault(match.group(1), place)
    return contract


def _operations(item: str) -> set[tuple[str, str]]:
    item = _LONE_METHOD.sub(lambda m: f"`{m.group(1)}|", item)
    return {
        (method, template(path))
        for methods, path in _OPERATION.findall(item)
        for method in methods.split("|")
    }


def _items(text: str) -> list[tuple[Place, str, bool, str | None]]:
    """(place, text, planned, frame direction) of every heading, paragraph and list item."""
    items: list[tuple[Place, str, bool, str | None]] = []
    section, section_planned, direction = "top", False, None
    current: list[str] = []
    start, item_direction = 0, None

    def flush() -> None:
        if current:
            body = "\n".join(current)
            planned = section_planned or bool(_PLANNED.search(body))
            items.append((Place(start, section), body, planned, item_direction))
            current.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            flush()
            section = stripped.lstrip("#").strip()
            section_planned, direction = bool(_PLANNED.search(section)), None
            start, item_direction = number, None
            current.append(stripped)
            flush()
            continue
        if not stripped or stripped.startswith(("- ", "* ")) or stripped.startswith("```"):
            flush()
        if _CLIENT_LIST.search(stripped):
            direction = "client"
        elif _SERVER_LIST.search(stripped):
            direction = "server"
        if stripped:
            if not current:
                start, item_direction = number, direction
            current.append(stripped)
    flush()
    return items

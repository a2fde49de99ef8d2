"""docs/API.md tells the truth about a real server: every REST operation of its OpenAPI is
documented, every documented operation is served, and the WebSocket frames documented are the
ones the gateway handles and the server sends. Planned items (see e2e_api_doc.py) are skipped,
except that something planned and already served must have its marker removed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import httpx
import pytest
from e2e_api import new_user
from e2e_api_doc import API_DOC, REPO, Contract, Place, read_contract, template
from e2e_ws import WsConnect

from hubbub.contexts.realtime.frames import CLIENT_TYPES

SOURCES = REPO / "src" / "hubbub"
# Served outside the OpenAPI document: the WebSocket and the documentation itself.
WEBSOCKET = ("GET", "/ws")
NOT_IN_OPENAPI = {WEBSOCKET, ("GET", "/docs"), ("GET", "/redoc"), ("GET", "/openapi.json")}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return read_contract(API_DOC.read_text(encoding="utf-8"))


async def served_operations(http: httpx.AsyncClient) -> dict[tuple[str, str], str]:
    """(METHOD, /path/{}) → the path as the OpenAPI of the running server writes it."""
    answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    return {
        (method.upper(), template(path)): path
        for path, operations in answer.json()["paths"].items()
        for method in operations
    }


def listing(found: dict[tuple[str, str], object]) -> str:
    return "\n".join(
        f"  {method} {path}: {where}" for (method, path), where in sorted(found.items())
    )


async def test_every_served_operation_is_documented(
    http: httpx.AsyncClient, contract: Contract
) -> None:
    served = await served_operations(http)
    missing = {
        op: f"served as {path}" for op, path in served.items() if op not in contract.operations
    }
    assert not missing, (
        "served (in /openapi.json) but not documented in docs/API.md outside planned items;"
        " document them:\n" + listing(missing)
    )


async def test_every_documented_operation_is_served(
    http: httpx.AsyncClient, contract: Contract
) -> None:
    served = await served_operations(http)
    absent = {
        op: place
        for op, place in contract.operations.items()
        if op not in served and op not in NOT_IN_OPENAPI
    }
    assert not absent, (
        "documented in docs/API.md but not in the OpenAPI of a running server;"
        " serve them, or mark them '(planned: issue N)':\n" + listing(absent)
    )
    # (A planned item may also name an operation served today, to say what it will add.)
    built = {
        op: place
        for op, place in contract.planned_operations.items()
        if op in served and op not in contract.operations
    }
    assert not built, (
        "marked planned in docs/API.md but already served: remove the marker and make the text"
        " say exactly what is served:\n" + listing(built)
    )


async def test_documented_endpoints_outside_the_openapi_answer(
    http: httpx.AsyncClient, ws_connect: WsConnect, contract: Contract
) -> None:
    documented = set(contract.operations) & NOT_IN_OPENAPI
    for method, path in sorted(documented - {WEBSOCKET}):
        answer = await http.request(method, path)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code}"
    if WEBSOCKET in documented:  # a socket without a token is closed with 4401, as documented
        assert await (await ws_connect(None)).wait_closed() == 4401


# -- WebSocket frames ---------------------------------------------------------------------


# `{"type": "string"}` in a model's JSON schema is not a frame.
_JSON_SCHEMA_TYPES = frozenset(
    {"string", "integer", "number", "boolean", "object", "array", "null"}
)


def sent_frame_types() -> dict[str, str]:
    """Frame type → where the server builds it: every dict literal `{"type": "<name>", …}` (and
    `dict(type="<name>")`) in src/hubbub/contexts. ASGI messages (dotted types) are not frames."""
    found: dict[str, str] = {}
    for path in sorted((SOURCES / "contexts").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _frame_types_built_by(node):
                if "." not in name and name not in _JSON_SCHEMA_TYPES:
                    found.setdefault(name, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def _frame_types_built_by(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if _is_str(key, "type") and isinstance(value, ast.Constant):
                yield str(value.value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        for keyword in node.keywords:
            if keyword.arg == "type" and isinstance(keyword.value, ast.Constant):
                yield str(keyword.value.value)


def _is_str(node: ast.AST | None, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def string_constants() -> set[str]:
    """Every string literal of the server's code (however a frame is built, its type is one)."""
    return {
        node.value
        for path in SOURCES.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def places(found: dict[str, Place] | dict[str, str]) -> str:
    return "\n".join(f"  {name}: {where}" for name, where in sorted(found.items()))


def test_client_frames_are_the_ones_the_gateway_handles(contract: Contract) -> None:
    handled = set(CLIENT_TYPES)
    undocumented = sorted(handled - set(contract.client_frames))
    assert not undocumented, (
        f"the gateway handles client frames {undocumented} (realtime/frames.py CLIENT_TYPES)"
        " that docs/API.md does not list under 'Client → server frames'"
    )
    unknown = {t: p for t, p in contract.client_frames.items() if t not in handled}
    assert not unknown, (
        "documented as client frames, but the gateway answers them `unknown_type`:\n"
        + places(unknown)
    )


def test_server_frames_are_the_ones_the_server_sends(contract: Contract) -> None:
    sent = sent_frame_types()
    documented = set(contract.server_frames) | set(contract.client_frames)
    undocumented = {name: where for name, where in sent.items() if name not in documented}
    assert not undocumented, (
        'sent by the server but not documented in docs/API.md as `{"type": "<name>", …}`:\n'
        + places(undocumented)
    )
    in_code = string_constants()
    never_sent = {
        name: place
        for name, place in contract.server_frames.items()
        if name not in sent and name not in in_code
    }
    assert not never_sent, (
        "documented as server frames, but no code of src/hubbub names them:\n" + places(never_sent)
    )


async def test_a_real_gateway_knows_every_documented_client_frame(
    http: httpx.AsyncClient, ws_connect: WsConnect, contract: Contract
) -> None:
    _, token = await new_user(http, "doc")
    ws = await ws_connect(token)
    for name in sorted(contract.client_frames):
        # Without its fields a frame is refused, but as incomplete, not as an unknown type.
        await ws.send({"type": name, "request_id": f"doc-{name}"})
        if name == "ping":
            await ws.recv("pong")
            continue
        answer = await ws.recv("error", request_id=f"doc-{name}")
        assert answer["code"] != "unknown_type", f"documented client frame {name!r}: {answer}"
    await ws.send({"type": "no_such_frame"})  # and an undocumented one is unknown
    await ws.recv("error", code="unknown_type")


def test_the_parser_reads_what_it_should() -> None:
    """The rules of e2e_api_doc.py on a small document (so that a passing run means something)."""
    sample = read_contract(
        "## Things\n"
        "`GET /a/{id}?limit=1` and `PUT` / `DELETE /a/{x}/b` and `GET|PATCH /c`\n"
        '`POST /a` `{"type": "group"}` is a body, not a frame\n\n'
        "Later (planned: issue 9): `POST /later`\n\n"
        "Client → server frames:\n"
        '- `{"type": "hello"}` → `{"type": "welcome"}`\n\n'
        "Server → client frames:\n"
        '- `{"type": "news", "x"}`\n\n'
        "## Soon (planned: issue 7)\n"
        '- `DELETE /soon` and `{"type": "soon"}`\n'
    )
    assert set(sample.operations) == {
        ("GET", "/a/{}"),
        ("PUT", "/a/{}/b"),
        ("DELETE", "/a/{}/b"),
        ("GET", "/c"),
        ("PATCH", "/c"),
        ("POST", "/a"),
    }
    assert set(sample.planned_operations) == {("POST", "/later"), ("DELETE", "/soon")}
    assert set(sample.client_frames) == {"hello"}
    assert set(sample.server_frames) == {"welcome", "news"}

"""A stand-in server speaking hubbub's wire format, with no auth, storage or checks.

It exists to calibrate the load generator: whatever rate the generator measures against this
server is the ceiling of what it can measure at all. Run it like hubbub:
`python bench/mockserver.py --port 18081` (pinned with `taskset -c 0` for fairness).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

USERS: dict[str, str] = {}
CHATS: dict[str, list[str]] = {}
SEQ: dict[str, itertools.count[int]] = {}
SOCKETS: defaultdict[str, set[WebSocket]] = defaultdict(set)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def register(request: Request) -> Response:
    """Create a user; the token will simply be its id."""
    body = orjson.loads(await request.body())
    user_id = str(uuid.uuid4())
    USERS[body["username"]] = user_id
    return _json({"id": user_id, "username": body["username"], "display_name": None}, 201)


async def login(request: Request) -> Response:
    """Return the user id as token."""
    body = orjson.loads(await request.body())
    return _json({"token": USERS[body["username"]], "token_type": "bearer"})


async def create_chat(request: Request) -> Response:
    """Create a group of the caller plus member_ids."""
    owner = request.headers["authorization"].split()[1]
    body = orjson.loads(await request.body())
    chat_id = str(uuid.uuid4())
    CHATS[chat_id] = [owner, *body["member_ids"]]
    SEQ[chat_id] = itertools.count(1)
    return _json({"id": chat_id, "type": "group"}, 201)


async def healthz(_: Request) -> Response:
    """Always ok."""
    return _json({"status": "ok"})


async def _on_message(ws: WebSocket, user: str, frame: dict[str, Any]) -> None:
    chat_id = frame["chat_id"]
    seq, message_id, now = next(SEQ[chat_id]), str(uuid.uuid4()), _now()
    ack = {
        "type": "message_sent",
        "request_id": frame["request_id"],
        "chat_id": chat_id,
        "message_id": message_id,
        "seq": seq,
        "created_at": now,
        "status": "delivered",
    }
    await ws.send_text(orjson.dumps(ack).decode())
    message = {
        "id": message_id,
        "chat_id": chat_id,
        "seq": seq,
        "sender_id": user,
        "text": frame["text"],
        "created_at": now,
        "edited_at": None,
        "ai_generated": False,
        "request_id": frame["request_id"],
    }
    data = orjson.dumps({"type": "new_message", "message": message}).decode()
    for member in CHATS[chat_id]:
        for other in SOCKETS[member]:
            if other is not ws:
                with contextlib.suppress(Exception):
                    await other.send_text(data)


async def ws_endpoint(ws: WebSocket) -> None:
    """Accept, then relay message frames to the chat's other connections."""
    user = ws.query_params["token"]
    await ws.accept()
    SOCKETS[user].add(ws)
    try:
        while True:
            await _on_message(ws, user, orjson.loads(await ws.receive_text()))
    except WebSocketDisconnect:
        pass
    finally:
        SOCKETS[user].discard(ws)


app = Starlette(
    routes=[
        Route("/api/v1/auth/register", register, methods=["POST"]),
        Route("/api/v1/auth/login", login, methods=["POST"]),
        Route("/api/v1/chats", create_chat, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/ws", ws_endpoint),
    ]
)


def main() -> None:
    """Serve the stand-in."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--ws", default="websockets", help="uvicorn WebSocket implementation")
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws=args.ws,
        log_level="warning",
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()

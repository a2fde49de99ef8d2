"""The WebSocket endpoint `/ws`."""

from fastapi import APIRouter, WebSocket

router = APIRouter()


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Real time: `?token=<JWT>[&chat_id=<id>]` or an `Authorization: Bearer` header."""
    await websocket.app.state.gateway.serve(websocket)

"""Entry points: the ASGI app (REST + WebSocket), workers."""

"""No secret reaches a log (issue 10, item 1): a whole scenario against a real `hubbub serve`
logging at debug level (uvicorn's WebSocket request lines, request logs, errors, the
assistant) and not one line of its output holds a token or a password."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_api import API, PASSWORD, bearer, direct_chat, expect, http_client, login, register
from e2e_server import running_server
from e2e_ws import open_ws

pytestmark = pytest.mark.timeout(120)

NEW_PASSWORD = "new-password-do-not-log"


async def test_no_log_line_holds_a_token_or_a_password(tmp_path: Path) -> None:
    env = {"HUBBUB_LOG_LEVEL": "debug"}
    tokens: list[str] = []
    with running_server(tmp_path / "data", env=env) as server:
        async with http_client(server.base_url) as http:
            alice = await register(http, "alice_logs", email="alice@example.org")
            bob = await register(http, "bob_logs")
            for _ in range(2):
                tokens.append((await login(http, "alice_logs"))["token"])
            bob_token = (await login(http, "bob_logs"))["token"]
            tokens.append(bob_token)
            chat = await direct_chat(http, tokens[0], bob["id"])
            # The query-string token (what uvicorn logs), the header token, a bad token,
            # frames, errors, a wrong password, logout, password change, deletion.
            async with open_ws(server.ws_url, tokens[0], chat_id=chat["id"]) as ws:
                await ws.send({"type": "message", "text": "hi", "request_id": "r1"})
                await ws.recv("message_sent")
                await ws.send_raw("not json")
                await ws.recv("error")
            async with open_ws(server.ws_url, None, headers=bearer(bob_token)) as ws:
                await ws.roundtrip()
            async with open_ws(server.ws_url, tokens[0] + "x") as ws:
                assert await ws.wait_closed() == 4401
            await http.get(f"{API}/chats?token={tokens[0]}", headers=bearer(tokens[0]))
            await http.post(
                f"{API}/auth/login", json={"username": "alice_logs", "password": "wrong-guess-1"}
            )
            expect(await http.post(f"{API}/auth/logout", headers=bearer(tokens[1])), 204)
            await http.get(f"{API}/users/me", headers=bearer(tokens[1]))  # 401 now
            change = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
            expect(
                await http.post(f"{API}/auth/password", json=change, headers=bearer(tokens[0])), 204
            )
            expect(
                await http.request(
                    "DELETE",
                    f"{API}/users/me",
                    json={"password": NEW_PASSWORD},
                    headers=bearer(tokens[0]),
                ),
                204,
            )
            assert alice["id"]
        log = server.log_path.read_text(encoding="utf-8", errors="replace")

    assert "WebSocket /ws?" in log, "the scenario did not log what it means to test"
    assert "[redacted]" in log
    leaks = []
    for line in log.splitlines():
        for secret in (*tokens, PASSWORD, NEW_PASSWORD, "wrong-guess-1"):
            if secret in line:
                leaks.append(line[:300])
        # Any JWT at all: three base64url parts starting with the encoded '{"'.
        if "eyJ" in line and ".eyJ" in line:
            leaks.append(line[:300])
    assert not leaks, "\n".join(leaks)

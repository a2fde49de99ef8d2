"""Origins, security headers and HTTPS (issue 10, "Also"): same origin only unless allowed,
on REST and on the WebSocket handshake, both ways; HSTS on HTTPS (served here, or by a
trusted proxy); TLS served directly from a certificate and key."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from e2e_api import API, bearer, expect, http_client, new_user
from e2e_server import ServerProcess, running_server
from e2e_ws import open_ws
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.timeout(90)

ALLOWED = "https://app.example.org"
OTHER = "https://evil.example.net"


@pytest.fixture(scope="module")
def cors_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("cors") / "data"
    with running_server(
        data, env={"HUBBUB_CORS_ORIGINS": f"{ALLOWED}, http://localhost:3000"}
    ) as s:
        yield s


def own_origin(server: ServerProcess) -> str:
    return server.base_url


async def test_rest_same_origin_and_allowed_origins_pass_others_are_refused(
    cors_server: ServerProcess,
) -> None:
    async with http_client(cors_server.base_url) as http:
        _, token = await new_user(http)
        url = f"{API}/users/me"
        # No Origin (curl, apps): as always.
        plain = expect(await http.get(url, headers=bearer(token)), 200)
        # The server's own page.
        same = await http.get(url, headers={**bearer(token), "Origin": own_origin(cors_server)})
        assert expect(same, 200) == plain
        assert "access-control-allow-origin" not in same.headers
        # An allowed cross origin: the answer says so, for the browser to let the page read it.
        allowed = await http.get(url, headers={**bearer(token), "Origin": ALLOWED})
        expect(allowed, 200)
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        assert "retry-after" in allowed.headers["access-control-expose-headers"].lower()
        # Any other origin: refused, with the contract's error.
        for origin in (OTHER, "null", "http://app.example.org", "https://app.example.org.evil"):
            refused = await http.get(url, headers={**bearer(token), "Origin": origin})
            assert refused.status_code == 403, origin
            assert refused.json()["error"]["code"] == "origin_not_allowed"
            assert "access-control-allow-origin" not in refused.headers


async def test_rest_preflight_both_ways(cors_server: ServerProcess) -> None:
    async with http_client(cors_server.base_url) as http:
        ask = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        }
        ok = await http.options(f"{API}/chats", headers={**ask, "Origin": ALLOWED})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == ALLOWED
        assert "POST" in ok.headers["access-control-allow-methods"]
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        no = await http.options(f"{API}/chats", headers={**ask, "Origin": OTHER})
        assert no.status_code == 403
        assert "access-control-allow-origin" not in no.headers


async def test_websocket_origin_both_ways(cors_server: ServerProcess) -> None:
    async with http_client(cors_server.base_url) as http:
        _, token = await new_user(http)
    for origin in (None, own_origin(cors_server), ALLOWED, "http://localhost:3000"):
        headers = {"Origin": origin} if origin else None
        async with open_ws(cors_server.ws_url, token, headers=headers) as ws:
            await ws.roundtrip()
    for origin in (OTHER, "null", "http://localhost:3001"):
        with pytest.raises(InvalidStatus) as refused:
            async with open_ws(cors_server.ws_url, token, headers={"Origin": origin}):
                pass
        assert refused.value.response.status_code == 403, origin


async def test_by_default_only_the_same_origin(server: ServerProcess) -> None:
    async with http_client(server.base_url) as http:
        _, token = await new_user(http)
        mine = await http.get(
            f"{API}/users/me", headers={**bearer(token), "Origin": server.base_url}
        )
        expect(mine, 200)
        theirs = await http.get(f"{API}/users/me", headers={**bearer(token), "Origin": ALLOWED})
        assert theirs.status_code == 403
    with pytest.raises(InvalidStatus):
        async with open_ws(server.ws_url, token, headers={"Origin": ALLOWED}):
            pass
    async with open_ws(server.ws_url, token, headers={"Origin": server.base_url}) as ws:
        await ws.roundtrip()


async def test_security_headers_on_every_answer(server: ServerProcess) -> None:
    async with http_client(server.base_url) as http:
        for path in ("/healthz", f"{API}/users/me", "/", "/openapi.json", "/nowhere"):
            resp = await http.get(path)
            assert resp.headers["x-content-type-options"] == "nosniff", path
            assert resp.headers["referrer-policy"] == "no-referrer", path
            assert resp.headers["x-frame-options"] == "DENY", path
            assert len(resp.headers.get_list("x-frame-options")) == 1, path
            # Plain HTTP: no HSTS (a browser ignores it there anyway).
            assert "strict-transport-security" not in resp.headers, path
        # Behind a TLS-terminating proxy this server trusts (loopback by default).
        proxied = await http.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["strict-transport-security"] == "max-age=31536000"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path, Path]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(keyfile))
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    return ca, certfile, keyfile


async def test_https_served_directly(
    tmp_path: Path, tls_files: tuple[trustme.CA, Path, Path]
) -> None:
    ca, certfile, keyfile = tls_files
    env = {"HUBBUB_TLS_CERTFILE": str(certfile), "HUBBUB_TLS_KEYFILE": str(keyfile)}
    with running_server(tmp_path / "data", env=env) as server:
        assert server.base_url.startswith("https://")
        trust = ssl.create_default_context()
        ca.configure_trust(trust)
        async with httpx.AsyncClient(base_url=server.base_url, verify=trust, timeout=20) as http:
            _, token = await new_user(http)
            me = await http.get(f"{API}/users/me", headers=bearer(token))
            expect(me, 200)
            assert me.headers["strict-transport-security"] == "max-age=31536000"
        async with open_ws(server.ws_url, token, ssl=trust) as ws:
            await ws.roundtrip()
        # Plain HTTP on the HTTPS port gets nowhere.
        with pytest.raises(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=5) as plain:
                await plain.get(f"http://127.0.0.1:{server.port}/healthz")
        assert "listening on https://" in server.log_tail()

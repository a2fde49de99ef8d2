"""Read and forge JWTs without the server's secret (for the token-refusal tests)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

Json = dict[str, Any]


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _encode_json(data: Json) -> str:
    return _b64encode(json.dumps(data, separators=(",", ":")).encode())


def decode(token: str) -> tuple[Json, Json]:
    """The (header, claims) of a token, unverified."""
    header, claims, _ = token.split(".")
    return json.loads(_b64decode(header)), json.loads(_b64decode(claims))


def with_alg_none(token: str) -> str:
    """The same claims, unsigned, with `alg: none`."""
    _, claims = decode(token)
    return f"{_encode_json({'alg': 'none', 'typ': 'JWT'})}.{_encode_json(claims)}."


def with_tampered_signature(token: str) -> str:
    """The same header and claims with one signature byte flipped."""
    header, claims, signature = token.split(".")
    raw = bytearray(_b64decode(signature))
    raw[0] ^= 0x01
    return f"{header}.{claims}.{_b64encode(bytes(raw))}"


def with_tampered_claims(token: str, **changes: Any) -> str:
    """Changed claims under the original signature."""
    header, claims = decode(token)
    signature = token.rsplit(".", 1)[1]
    return f"{_encode_json(header)}.{_encode_json({**claims, **changes})}.{signature}"


def signed_with(token: str, secret: bytes) -> str:
    """The same claims, HS256-signed with another secret."""
    _, claims = decode(token)
    signing_input = f"{_encode_json({'alg': 'HS256', 'typ': 'JWT'})}.{_encode_json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def forged_tokens(token: str) -> dict[str, str]:
    """Every kind of bad token the server must refuse, by name."""
    return {
        "garbage": "not-a-jwt",
        "alg none": with_alg_none(token),
        "tampered signature": with_tampered_signature(token),
        "tampered claims": with_tampered_claims(token, username="mallory"),
        "wrong secret": signed_with(token, b"not-the-server-secret"),
    }

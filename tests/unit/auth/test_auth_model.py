"""Password and token rules."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import orjson
import pytest

from hubbub.contexts.auth import model
from hubbub.kernel.errors import Invalid, Unauthorized
from hubbub.kernel.ids import new_id

SECRET = "s" * 64


def now() -> datetime:
    return datetime.now(UTC)


def claims(**overrides: object) -> dict[str, object]:
    moment = now()
    found: dict[str, object] = {
        "sub": str(new_id()),
        "username": "alice",
        "jti": str(new_id()),
        "iat": int(moment.timestamp()),
        "exp": int((moment + timedelta(hours=1)).timestamp()),
    }
    found.update(overrides)
    return {k: v for k, v in found.items() if v is not None}


@pytest.mark.parametrize("password", ["x" * 8, "x" * 128])
def test_password_length_bounds_are_inclusive(password: str) -> None:
    assert model.check_password(password) == password


@pytest.mark.parametrize("password", ["", "x" * 7, "x" * 129])
def test_passwords_outside_8_to_128_are_invalid(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        model.check_password(password)
    assert caught.value.code == "invalid_password"


@pytest.mark.parametrize("password", ["pass\x00word", "pass\nword1", "password\x7f"])
def test_passwords_with_control_characters_are_invalid(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        model.check_password(password)
    assert caught.value.code == "invalid_password"


def a_session(issued_at: datetime, ttl_seconds: int = 600) -> model.Session:
    return model.new_session(
        session_id=new_id(), user_id=new_id(), now=issued_at, ttl_seconds=ttl_seconds
    )


def test_an_issued_token_carries_the_contract_claims_and_its_session() -> None:
    issued_at = now().replace(microsecond=0)
    session = a_session(issued_at)

    token = model.issue_token(session=session, username="alice", secret=SECRET)

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert decoded == {
        "sub": str(session.user_id),
        "user_id": str(session.user_id),
        "username": "alice",
        "jti": str(session.id),
        "iat": int(issued_at.timestamp()),
        "exp": int(issued_at.timestamp()) + 600,
    }
    assert model.read_token(token, secret=SECRET, now=issued_at) == model.TokenClaims(
        session.user_id, "alice", session.id
    )


def test_an_expired_token_is_refused_as_expired() -> None:
    token = model.issue_token(
        session=a_session(now() - timedelta(hours=2), 3600), username="alice", secret=SECRET
    )

    with pytest.raises(Unauthorized) as caught:
        model.read_token(token, secret=SECRET, now=now())
    assert caught.value.code == "token_expired"


def unsigned(payload: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def tampered() -> str:
    token = jwt.encode(claims(), SECRET, algorithm="HS256")
    header, _, signature = token.split(".")
    forged = claims(username="mallory")
    body = base64.urlsafe_b64encode(orjson.dumps(forged)).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


FORGERIES: dict[str, Callable[[], str]] = {
    "alg-none": lambda: unsigned(claims()),
    "other-algorithm": lambda: jwt.encode(claims(), SECRET, algorithm="HS512"),
    "wrong-key": lambda: jwt.encode(claims(), "another-secret" * 5, algorithm="HS256"),
    "tampered-payload": tampered,
    "no-exp": lambda: jwt.encode(claims(exp=None), SECRET, algorithm="HS256"),
    "no-sub": lambda: jwt.encode(claims(sub=None), SECRET, algorithm="HS256"),
    "bad-sub": lambda: jwt.encode(claims(sub="not-a-uuid"), SECRET, algorithm="HS256"),
    # Signed before sessions existed (or by something else): no session to check.
    "no-jti": lambda: jwt.encode(claims(jti=None), SECRET, algorithm="HS256"),
    "bad-jti": lambda: jwt.encode(claims(jti="x"), SECRET, algorithm="HS256"),
    "garbage": lambda: "not.a.jwt",
    "empty": lambda: "",
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_tokens_we_did_not_sign_as_issued_are_refused(forge: Callable[[], str]) -> None:
    with pytest.raises(Unauthorized) as caught:
        model.read_token(forge(), secret=SECRET, now=now())
    assert caught.value.code == "invalid_token"

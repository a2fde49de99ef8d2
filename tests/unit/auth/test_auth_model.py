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


def test_an_issued_token_carries_the_contract_claims() -> None:
    user_id = new_id()
    issued_at = now().replace(microsecond=0)

    token = model.issue_token(
        user_id=user_id, username="alice", secret=SECRET, now=issued_at, ttl_seconds=600
    )

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert decoded == {
        "sub": str(user_id),
        "user_id": str(user_id),
        "username": "alice",
        "iat": int(issued_at.timestamp()),
        "exp": int(issued_at.timestamp()) + 600,
    }
    assert model.read_token(token, secret=SECRET, now=issued_at) == (user_id, "alice")


def test_an_expired_token_is_refused_as_expired() -> None:
    token = model.issue_token(
        user_id=new_id(),
        username="alice",
        secret=SECRET,
        now=now() - timedelta(hours=2),
        ttl_seconds=3600,
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
    "garbage": lambda: "not.a.jwt",
    "empty": lambda: "",
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_tokens_we_did_not_sign_as_issued_are_refused(forge: Callable[[], str]) -> None:
    with pytest.raises(Unauthorized) as caught:
        model.read_token(forge(), secret=SECRET, now=now())
    assert caught.value.code == "invalid_token"

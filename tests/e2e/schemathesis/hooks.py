"""schemathesis hooks: requests carry the token of a session of the fuzzing user. The
operations that end sessions get a session of their own: logout a fresh one of the fuzzing
user, logout-all one of a throwaway user (it ends every session of its user). Password
change and account deletion cannot succeed: the fuzzer does not know the password."""

import os
import uuid
from typing import Any

import httpx
import schemathesis

BASE = os.environ["HUBBUB_FUZZ_BASE_URL"]
USERNAME = os.environ["HUBBUB_FUZZ_USERNAME"]
PASSWORD = os.environ["HUBBUB_FUZZ_PASSWORD"]


def login(username: str = USERNAME) -> str:
    body = {"username": username, "password": PASSWORD}
    resp = httpx.post(f"{BASE}/api/v1/auth/login", json=body, timeout=30)
    resp.raise_for_status()
    return str(resp.json()["token"])


def throwaway() -> str:
    username = f"fuzz_{uuid.uuid4().hex[:12]}"
    body = {"username": username, "password": PASSWORD}
    httpx.post(f"{BASE}/api/v1/auth/register", json=body, timeout=30).raise_for_status()
    return login(username)


TOKEN = login()


@schemathesis.hook
def before_call(ctx: schemathesis.HookContext, case: schemathesis.Case, **_: Any) -> None:
    path = case.operation.path
    if path == "/api/v1/auth/logout-all":
        token = throwaway()
    elif path == "/api/v1/auth/logout":
        token = login()
    else:
        token = TOKEN
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

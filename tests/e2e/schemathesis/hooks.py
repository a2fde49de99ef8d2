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


@schemathesis.auth(refresh_interval=None)
class SessionAuth:
    """The token of a session, given to schemathesis as an auth provider (not a hook that
    sets the header on every request), so that its checks of missing and invalid credentials
    (ST203, ST401) can leave it out. Not cached: logout and logout-all end the session they
    are called with, so they get one of their own each time."""

    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        path = case.operation.path
        if path == "/api/v1/auth/logout-all":
            return throwaway()
        if path == "/api/v1/auth/logout":
            return login()
        return TOKEN

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

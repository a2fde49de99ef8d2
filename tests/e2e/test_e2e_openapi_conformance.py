"""The OpenAPI document tells the truth: every answer of a realistic session, successes and
errors alike, validates against the schema `/openapi.json` declares for its path and status."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import jsonschema
import pytest
from e2e_api import API, bearer, new_user

Json = dict[str, Any]


class Conformance:
    """Validates responses against the server's own OpenAPI document."""

    def __init__(self, document: Json) -> None:
        self.document = document
        self.checked: list[str] = []
        self._paths = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]

    def check(self, response: httpx.Response) -> Json | None:
        method = response.request.method.lower()
        path = response.request.url.path
        template = next((t for pattern, t in self._paths if pattern.match(path)), None)
        assert template is not None, f"{method.upper()} {path} is not in the OpenAPI document"
        operation = self.document["paths"][template][method]
        status = str(response.status_code)
        assert status in operation["responses"], (
            f"{method.upper()} {template} answered {status}, "
            f"undocumented (documented: {sorted(operation['responses'])})"
        )
        content = operation["responses"][status].get("content", {})
        if response.status_code == 204 or not content:
            assert not response.content, f"{method.upper()} {template} {status} has a body"
            self.checked.append(f"{method.upper()} {template} {status}")
            return None
        schema = content["application/json"]["schema"]
        body = response.json()
        jsonschema.validate(body, {**schema, "components": self.document["components"]})
        self.checked.append(f"{method.upper()} {template} {status}")
        return body  # type: ignore[no-any-return]


@pytest.fixture
async def conformance(http: httpx.AsyncClient) -> Conformance:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


@pytest.mark.timeout(60)
async def test_every_answer_matches_its_documented_schema(
    http: httpx.AsyncClient, conformance: Conformance
) -> None:
    check = conformance.check
    username = f"oa{uuid.uuid4().hex[:10]}"
    check(await http.post(f"{API}/auth/register", json={"username": username, "password": "pw"}))
    check(
        await http.post(
            f"{API}/auth/register", json={"username": username, "password": "long enough pw"}
        )
    )
    check(
        await http.post(
            f"{API}/auth/register", json={"username": username, "password": "long enough pw"}
        )
    )
    session = check(
        await http.post(
            f"{API}/auth/login", json={"username": username, "password": "long enough pw"}
        )
    )
    assert session is not None
    me = bearer(session["token"])
    check(await http.post(f"{API}/auth/login", json={"username": username, "password": "wrong!!!"}))

    partner, partner_token = await new_user(http)
    third, _ = await new_user(http)
    check(await http.get(f"{API}/users/me", headers=me))
    check(await http.patch(f"{API}/users/me", json={"display_name": "Oa"}, headers=me))
    check(await http.get(f"{API}/users/{partner['id']}", headers=me))
    check(await http.get(f"{API}/users/{uuid.uuid4()}", headers=me))
    check(await http.get(f"{API}/users", params={"query": username[:4]}, headers=me))
    check(await http.get(f"{API}/users/me"))

    direct = check(await http.post(f"{API}/chats", json={"partner_id": partner["id"]}, headers=me))
    assert direct is not None
    check(await http.post(f"{API}/chats", json={"partner_id": partner["id"]}, headers=me))
    check(await http.post(f"{API}/chats", json={"partner_id": str(uuid.uuid4())}, headers=me))
    group = check(
        await http.post(
            f"{API}/chats",
            json={"type": "group", "title": "Conformance", "member_ids": [partner["id"]]},
            headers=me,
        )
    )
    assert group is not None
    check(await http.get(f"{API}/chats", headers=me))
    check(await http.get(f"{API}/chats", params={"limit": 500}, headers=me))
    check(await http.get(f"{API}/chats/{direct['id']}", headers=me))
    check(await http.get(f"{API}/chats/{uuid.uuid4()}", headers=me))
    check(await http.get(f"{API}/chats/{group['id']}/members", headers=me))
    check(
        await http.post(
            f"{API}/chats/{group['id']}/members", json={"user_id": third["id"]}, headers=me
        )
    )
    check(
        await http.post(
            f"{API}/chats/{group['id']}/members", json={"user_id": third["id"]}, headers=me
        )
    )
    check(await http.delete(f"{API}/chats/{group['id']}/members/{third['id']}", headers=me))

    body = {"text": "conforming", "request_id": uuid.uuid4().hex}
    check(await http.post(f"{API}/chats/{direct['id']}/messages", json=body, headers=me))
    check(await http.post(f"{API}/chats/{direct['id']}/messages", json=body, headers=me))
    check(await http.post(f"{API}/chats/{direct['id']}/messages", json={"text": " "}, headers=me))
    outsider = bearer((await new_user(http))[1])
    check(await http.post(f"{API}/chats/{direct['id']}/messages", json=body, headers=outsider))
    check(await http.get(f"{API}/chats/{direct['id']}/messages", headers=me))
    check(await http.get(f"{API}/chats/{direct['id']}/messages", headers=outsider))
    check(
        await http.post(
            f"{API}/chats/{direct['id']}/read", json={"seq": 1}, headers=bearer(partner_token)
        )
    )

    bindings = f"{API}/chats/{direct['id']}/ai-bindings"
    binding = check(await http.post(bindings, json={"type": "advice"}, headers=me))
    assert binding is not None
    check(await http.post(bindings, json={"type": "advice"}, headers=me))
    check(await http.post(bindings, json={"type": "oracle"}, headers=me))
    check(await http.post(bindings, json={"type": "advice"}, headers=outsider))
    check(await http.get(bindings, headers=me))
    advice = f"{API}/chats/{direct['id']}/advice"
    check(await http.post(advice, headers=me))
    check(await http.post(advice, headers=bearer(partner_token)))  # no advice binding: 409
    check(await http.get(advice, headers=me))
    check(await http.get(advice, headers=outsider))
    check(await http.delete(f"{bindings}/{binding['id']}", headers=me))
    check(await http.delete(f"{bindings}/{binding['id']}", headers=me))

    check(await http.get("/healthz"))
    check(await http.get("/readyz"))
    assert len(conformance.checked) == 43  # every call above was checked

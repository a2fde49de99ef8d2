"""The API documentation pages work with nothing from outside: the OpenAPI document declares
its bearer scheme on exactly the operations that need a token (Swagger UI's "Authorize"), and
/docs and /redoc reference only this server's assets, none of which names a CDN."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import httpx
import pytest

BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


async def test_the_bearer_scheme_is_declared_where_a_token_is_needed(
    http: httpx.AsyncClient,
) -> None:
    document = (await http.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert {k: v for k, v in schemes["bearer"].items() if k != "description"} == BEARER

    wrong = []
    for path, operations in document["paths"].items():
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for method, operation in operations.items():
            declared = operation.get("security") == [{"bearer": []}]
            # Black box: what needs a token is what answers 401 without one.
            answer = await http.request(method, url, json={} if method != "get" else None)
            needs_token = answer.status_code == 401
            if declared != needs_token:
                wrong.append(
                    f"{method.upper()} {path}: security {operation.get('security')}, "
                    f"{answer.status_code} without a token"
                )
    assert not wrong, "\n".join(wrong)


class _Assets(HTMLParser):
    """Every src/href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _local(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_documentation_pages_use_only_local_assets(
    http: httpx.AsyncClient, page: str
) -> None:
    answer = await http.get(page)
    assert answer.status_code == 200
    parser = _Assets()
    parser.feed(answer.text)
    assert parser.urls, f"{page} references no assets at all?"
    outside = [url for url in parser.urls if not _local(url)]
    assert not outside, f"{page} references {outside}"
    assert not re.search(r"https?://", answer.text), f"{page} names an address outside"
    for url in parser.urls:
        asset = await http.get(url)
        assert asset.status_code == 200, url
        if url.endswith(".js"):
            cdn = sorted(set(re.findall(rb"https?://(?:cdn|fonts|unpkg)[\w./-]*", asset.content)))
            assert not cdn, f"{url} (used by {page}) fetches from {cdn}"


async def test_redoc_is_fenced_in_by_its_content_security_policy(http: httpx.AsyncClient) -> None:
    policy = (await http.get("/redoc")).headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy

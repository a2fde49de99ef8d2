"""The API documentation in a real browser: no request leaves the page, and Swagger UI's
"Authorize" makes "Try it out" work on an authenticated operation."""

from __future__ import annotations

import re

from e2e_server import ServerProcess
from playwright.sync_api import Page, Request, expect
from web_server import NewPage
from web_ui import Person, unique


def requests_of(page: Page) -> list[str]:
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    page.on("request", record)
    return seen


def elsewhere(urls: list[str], base_url: str) -> list[str]:
    return [url for url in urls if not url.startswith((f"{base_url}/", "data:", "blob:"))]


def test_swagger_ui_authorizes_and_tries_an_operation(
    server: ServerProcess, new_page: NewPage
) -> None:
    person = Person(new_page(server.base_url), unique("doc"), "Dora Docs").register()
    token = person.token(server.base_url)
    page = new_page(server.base_url)
    urls = requests_of(page)
    page.goto("/docs")

    page.get_by_role("button", name=re.compile("^Authorize")).first.click()
    dialog = page.locator(".dialog-ux")
    dialog.locator("input").fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.get_by_role("button", name="Close").click()

    operation = page.locator("#operations-users-me_api_v1_users_me_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".responses-wrapper .live-responses-table")
    expect(response.locator("tr.response .response-col_status")).to_have_text("200")
    expect(response).to_contain_text(person.username)
    assert not elsewhere(urls, server.base_url), elsewhere(urls, server.base_url)


def test_redoc_fetches_nothing_from_outside(server: ServerProcess, new_page: NewPage) -> None:
    page = new_page(server.base_url)
    urls = requests_of(page)
    page.goto("/redoc")
    expect(page.get_by_role("heading", name=re.compile("^hubbub"))).to_be_visible()
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not elsewhere(urls, server.base_url), elsewhere(urls, server.base_url)

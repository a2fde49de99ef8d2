"""Failures a person may meet, shown as human messages: bad credentials, a taken username,
a message too long, an expired session, sending too fast (WebSocket error frames)."""

from __future__ import annotations

import json
from pathlib import Path

from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage, disposable_server
from web_ui import PASSWORD, Person, snap, unique


def test_sign_in_problems_are_explained(
    server: ServerProcess, new_page: NewPage, screenshot_dir: Path
) -> None:
    page = new_page(server.base_url)
    taken = Person(new_page(server.base_url), unique("dana"), "Dana Kim").register()

    page.goto("/")
    page.get_by_role("tab", name="Create account").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Display name").fill("Alice Martin")
    snap(page, screenshot_dir / "sign-in.png")

    page.get_by_label("Username").fill(taken.username)
    page.get_by_role("button", name="Create account", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("That username is taken. Try another one.")

    page.get_by_label("Username").fill("no")
    page.get_by_role("button", name="Create account", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Usernames are 3–50 letters")

    page.get_by_role("tab", name="Sign in").click()
    page.get_by_label("Username").fill(taken.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.locator("body")).not_to_contain_text('"error"')  # never raw JSON

    # A token the server no longer accepts (expired, or signed with another secret) sends
    # the person back to sign in, with a word on why.
    session = {"token": "not.a.jwt", "user": {"id": "x", "username": "x"}, "expiresAt": None}
    taken.page.evaluate(
        "value => localStorage.setItem('hubbub.session', value)", json.dumps(session)
    )
    taken.page.reload()
    expect(taken.page.get_by_role("status").filter(has_text="session has expired")).to_be_visible()
    expect(taken.page.get_by_role("tab", name="Sign in")).to_be_visible()
    assert taken.page.evaluate("() => localStorage.getItem('hubbub.session')") is None


def test_message_too_long_is_caught_before_sending(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)

    alice.composer.fill("x" * 4097)
    expect(alice.page.locator(".counter")).to_have_text("4097 / 4096")
    expect(alice.page.get_by_role("button", name="Send")).to_be_disabled()
    expect(alice.composer).to_have_attribute("aria-invalid", "true")
    alice.composer.press("Enter")
    expect(alice.all_messages()).to_have_count(0)

    # 4096 characters (emoji count as one, as on the server) are fine.
    alice.composer.fill("é" * 4000 + "🙂" * 96)
    expect(alice.page.get_by_role("button", name="Send")).to_be_enabled()
    alice.composer.press("Enter")
    expect(alice.all_messages()).to_have_count(1)
    expect(alice.all_messages()).to_have_attribute("data-status", "sent")


def test_sending_too_fast_marks_messages_failed_with_retry(
    tmp_path: Path, new_page: NewPage
) -> None:
    env = {"HUBBUB_WS_RATE_LIMIT_PER_MINUTE": "6"}
    with disposable_server(tmp_path / "data", env=env) as strict:
        alice = Person(new_page(strict.base_url), unique("alice"), "Alice Martin").register()
        bob = Person(new_page(strict.base_url), unique("bob"), "Bob Chen").register()
        alice.open_direct_chat(bob)
        for n in range(8):
            alice.send(f"burst {n}")

        failed = alice.page.locator('.message-list li.msg[data-status="failed"]')
        expect(failed.first).to_be_visible()
        expect(failed.first).to_contain_text("You're sending too fast, try again in")
        toasts = alice.page.get_by_role("alert").filter(has_text="Message not sent")
        expect(toasts.first).to_contain_text("You're sending too fast, try again in")
        expect(failed.first.get_by_role("button", name="Retry")).to_be_visible()
        # Discarding a failed message removes it; the ones that went through stay.
        count = failed.count()
        failed.first.get_by_role("button", name="Discard").click()
        expect(failed).to_have_count(count - 1)
        expect(alice.messages("burst 0")).to_have_attribute("data-status", "sent")

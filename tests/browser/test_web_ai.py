"""The AI assistant in the browser, on the offline default model: advice shows in its
owner's panel only, its suggested reply goes to the composer, autoreplies are marked AI."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage
from web_ui import Person, snap, unique

# The offline model loads in the background when the server starts: the first answer of a
# fresh server may wait for it.
FIRST_ANSWER_MS = 30_000


def open_assistant(person: Person) -> None:
    person.page.get_by_role("button", name="AI assistant").click()
    expect(person.page.get_by_role("complementary", name="Assistant")).to_be_visible()
    expect(person.page.get_by_role("switch", name="Advice")).to_be_enabled()


def test_advice_shows_to_its_owner_only(
    server: ServerProcess, new_page: NewPage, screenshot_dir: Path
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("Are we still meeting at 7 at the cinema?")
    bob.open_chat("Alice Martin")

    # Alice switches advice on for her side of the chat; Bob looks at his (empty) panel.
    open_assistant(alice)
    alice.page.get_by_role("switch", name="Advice").check()
    expect(alice.page.get_by_role("switch", name="Advice")).to_be_checked()
    expect(alice.page.get_by_role("button", name="Ask for advice")).to_be_enabled()
    open_assistant(bob)
    expect(bob.page.get_by_role("switch", name="Advice")).not_to_be_checked()

    bob.send("Sorry, running 15 minutes late")
    expect(alice.messages("Sorry, running 15 minutes late")).to_have_count(1)
    advice = alice.page.locator(".advice")
    expect(advice).to_have_count(1, timeout=FIRST_ANSWER_MS)
    expect(advice).to_contain_text("Sorry, running 15 minutes late")  # what it is about
    expect(advice.locator(".advice-text")).not_to_have_text("")

    snap(alice.page, screenshot_dir / "ai-advice.png")

    # Its suggested reply goes to the composer with one click; sending it is Alice's choice.
    use_reply = advice.get_by_role("button", name="Use the suggested reply")
    suggested = advice.locator("q").inner_text()
    use_reply.click()
    expect(alice.composer).to_have_value(suggested)
    expect(alice.composer).to_be_focused()

    # Asked for on demand about the same message, the assistant gives the same advice again
    # (a new id, the same words): it is not shown twice; the one shown lights up instead.
    alice.page.get_by_role("button", name="Ask for advice").click()
    expect(alice.page.locator(".ai-notice")).to_have_text(
        "Nothing new to add: the advice below still stands."
    )
    expect(advice).to_have_count(1)
    expect(advice).to_have_class(re.compile(r"\brepeated\b"))
    expect(alice.page.get_by_role("button", name="Ask for advice")).to_be_enabled()

    # Bob never sees Alice's advice (give it time to arrive if it wrongly would).
    bob.page.wait_for_timeout(1_500)
    expect(bob.page.locator(".advice")).to_have_count(0)
    expect(bob.page.locator(".advice-empty")).to_be_visible()

    # The advice is kept: after a reload it is listed again (GET …/advice), still once,
    # though the server holds both answers.
    alice.page.reload()
    open_assistant(alice)
    expect(alice.page.locator(".advice")).to_have_count(1)
    listed = httpx.get(
        f"{server.base_url}/api/v1/chats/{alice.page.url.rsplit('/', 1)[-1]}/advice",
        headers={"Authorization": f"Bearer {alice.token(server.base_url)}"},
        timeout=10,
    ).json()["advice"]
    assert len(listed) == 2 and len({(a["text"], a["in_reply_to"]) for a in listed}) == 1

    # Asked about a newer message, the advice is new, and shown above the first.
    bob.send("Can you pick up some bread on the way?")
    expect(alice.messages("Can you pick up some bread on the way?")).to_have_count(1)
    alice.page.get_by_role("button", name="Ask for advice").click()
    expect(advice).to_have_count(2)
    expect(advice.first).to_contain_text("Can you pick up some bread on the way?")


def test_autoreply_messages_are_marked_ai(server: ServerProcess, new_page: NewPage) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("hi")
    bob.open_chat("Alice Martin")

    open_assistant(bob)
    bob.page.get_by_role("switch", name="Auto-reply").check()
    expect(bob.page.get_by_role("switch", name="Auto-reply")).to_be_checked()
    bob.page.get_by_role("button", name="Close the AI panel").click()

    alice.send("Thank you so much for your help!")
    reply = alice.page.locator(".message-list li.msg.ai")
    expect(reply).to_have_count(1, timeout=FIRST_ANSWER_MS)
    badge = reply.get_by_role("img", name="Written by the AI assistant for Bob Chen")
    expect(badge).to_be_visible()
    expect(reply).to_have_class(re.compile(r"\btheirs\b"))
    # Bob sees it as his own message, marked too.
    mine = bob.page.locator(".message-list li.msg.mine.ai")
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("img", name="Written by the AI assistant for you")).to_be_visible()

    # Switched off again: no more replies.
    open_assistant(bob)
    bob.page.get_by_role("switch", name="Auto-reply").uncheck()
    expect(bob.page.get_by_role("switch", name="Auto-reply")).not_to_be_checked()
    alice.send("Thanks again, really appreciate it!")
    expect(bob.messages("Thanks again, really appreciate it!")).to_have_count(1)
    alice.page.wait_for_timeout(1_500)
    expect(reply).to_have_count(1)

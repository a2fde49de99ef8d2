"""Two people chatting in real Chromium: search, live messages, typing, unread badges, read
receipts, staying logged in across a reload, history with scroll-back."""

from __future__ import annotations

from pathlib import Path

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage
from web_ui import Person, snap, unique


def test_two_people_chat_live(
    server: ServerProcess, new_page: NewPage, screenshot_dir: Path
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()

    # Alice finds Bob by username and opens the direct chat; it appears in Bob's list at once.
    alice.open_direct_chat(bob)
    expect(bob.chat_item("Alice Martin")).to_be_visible()
    expect(bob.chat_item("Alice Martin")).to_contain_text("No messages yet")
    # Both are online, and each sees the other's presence dot.
    expect(alice.chat_item("Bob Chen").locator(".presence.online")).to_be_visible()
    expect(bob.chat_item("Alice Martin").locator(".presence.online")).to_be_visible()

    # Alice types: Bob's list shows it before any message.
    alice.composer.press_sequentially("Hi Bob")
    expect(bob.chat_item("Alice Martin")).to_contain_text("typing…")
    alice.composer.press("Enter")

    # Her message shows at once and is confirmed by the server; Bob gets an unread badge.
    expect(alice.messages("Hi Bob")).to_have_count(1)
    expect(alice.messages("Hi Bob")).to_have_attribute("data-status", "sent")
    expect(bob.chat_item("Alice Martin").locator(".badge")).to_have_text("1")
    expect(bob.chat_item("Alice Martin")).to_contain_text("Hi Bob")
    alice.send("Are you around later?")
    expect(bob.chat_item("Alice Martin").locator(".badge")).to_have_text("2")
    expect(bob.page).to_have_title("(2) hubbub")

    # Bob opens the chat: the badge goes, and Alice sees her messages as read.
    bob.open_chat("Alice Martin")
    expect(bob.messages("Hi Bob")).to_have_count(1)
    expect(bob.messages("Are you around later?")).to_have_count(1)
    expect(bob.chat_item("Alice Martin").locator(".badge")).to_have_count(0)
    expect(alice.messages("Are you around later?")).to_have_attribute("data-status", "read")

    # Bob types: Alice sees "Bob Chen is typing…" in the open conversation.
    bob.composer.press_sequentially("Sure")
    expect(alice.page.locator(".typing-line")).to_have_text("Bob Chen is typing…")
    expect(alice.page.locator("#conv-sub")).to_have_text("typing…")
    bob.composer.press("Shift+Enter")  # a new line, not a send
    bob.composer.press_sequentially("after 6?")
    bob.composer.press("Enter")
    expect(alice.messages("Sure\nafter 6?")).to_have_count(1)
    expect(alice.page.locator(".typing-line")).to_have_text("")
    # Alice has the chat open and visible: nothing unread for her.
    expect(alice.chat_item("Bob Chen").locator(".badge")).to_have_count(0)
    expect(bob.messages("Sure\nafter 6?")).to_have_attribute("data-status", "read")

    alice.send("Perfect, see you at the station at 6:15")
    expect(bob.messages("Perfect, see you at the station at 6:15")).to_have_count(1)
    bob.send("Great, I'll bring the tickets")
    expect(alice.messages("Great, I'll bring the tickets")).to_have_count(1)

    # Someone else writes meanwhile: a second chat, on top, with its badge.
    carol = Person(new_page(server.base_url), unique("carol"), "Carol Diaz").register()
    carol.open_direct_chat(alice)
    carol.send("Are you coming to the book club on Thursday?")
    expect(alice.page.locator(".chat-item .chat-title")).to_have_text(["Carol Diaz", "Bob Chen"])
    expect(alice.chat_item("Carol Diaz").locator(".badge")).to_have_text("1")
    bob.composer.press_sequentially("Oh and")
    expect(alice.page.locator(".typing-line")).to_have_text("Bob Chen is typing…")
    snap(alice.page, screenshot_dir / "desktop-chat.png")


def test_reload_keeps_the_session_and_history_scrolls_back(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("message number 1")

    # 130 more messages from Bob (over REST, as from another device): three pages of history.
    token = bob.token(server.base_url)
    chat_id = alice.page.url.rsplit("/", 1)[-1]
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for n in range(2, 132):
            http.post(
                f"/api/v1/chats/{chat_id}/messages",
                json={"text": f"message number {n}"},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
    expect(alice.messages("message number 131")).to_have_count(1)

    # A reload keeps Alice signed in and in the same chat; the newest page is shown.
    alice.page.reload()
    expect(alice.conversation_title).to_have_text("Bob Chen")
    expect(alice.messages("message number 131")).to_have_count(1)
    expect(alice.page.get_by_role("tab", name="Sign in")).to_have_count(0)
    shown = alice.all_messages().count()
    assert 50 <= shown < 131

    # Scrolling up fetches older pages (before_id) until the beginning.
    messages = alice.page.locator(".messages")
    for _ in range(10):
        messages.evaluate("el => el.scrollTo(0, 0)")
        if alice.messages("message number 1").count():
            break
        expect(alice.all_messages().nth(shown)).to_be_attached()  # a page came in above
        shown = alice.all_messages().count()
    expect(alice.messages("message number 1")).to_have_count(1)
    expect(alice.all_messages()).to_have_count(131)
    expect(alice.page.locator(".history-top")).to_have_text(
        "This is the beginning of the conversation."
    )

    # Bob's page (never reloaded) got all of them live, once each.
    bob.open_chat("Alice Martin")
    expect(bob.messages("message number 131")).to_have_count(1)

    # Signing out forgets the session: a reload shows the sign-in screen.
    alice.page.get_by_role("button", name="Sign out").click()
    expect(alice.page.get_by_role("tab", name="Sign in")).to_be_visible()
    alice.page.reload()
    expect(alice.page.get_by_role("tab", name="Sign in")).to_be_visible()


def test_enter_sends_and_shift_enter_starts_a_new_line(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)

    composer = alice.composer
    expect(composer).to_be_focused()  # opening a chat puts the cursor where one types
    composer.press_sequentially("first line")
    composer.press("Shift+Enter")
    composer.press_sequentially("second line")
    expect(composer).to_have_value("first line\nsecond line")
    composer.press("Enter")
    expect(composer).to_have_value("")

    bob.open_chat("Alice Martin")
    shown = bob.page.locator(".message-list li.msg p.text")
    expect(shown).to_have_count(1)
    assert shown.inner_text() == "first line\nsecond line"

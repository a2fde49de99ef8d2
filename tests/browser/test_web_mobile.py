"""A phone-sized screen: the chat list and the conversation are separate screens."""

from __future__ import annotations

from pathlib import Path

from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage
from web_ui import Person, snap, unique

PHONE = {"width": 390, "height": 844}


def test_phone_list_conversation_and_back(
    server: ServerProcess, new_page: NewPage, screenshot_dir: Path
) -> None:
    phone = new_page(server.base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    alice = Person(phone, unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    carol = Person(new_page(server.base_url), unique("carol"), "Carol Diaz").register()
    for friend, text in ((carol, "Lunch tomorrow?"), (bob, "Did you see the match last night?")):
        friend.open_direct_chat(alice)
        friend.send(text)

    # The list fills the screen, newest activity first, with unread badges.
    sidebar = phone.get_by_role("complementary", name="Chats")
    conversation = phone.get_by_role("region", name="Conversation")
    expect(alice.chat_item("Bob Chen").locator(".badge")).to_have_text("1")
    expect(phone.locator(".chat-item .chat-title")).to_have_text(["Bob Chen", "Carol Diaz"])
    expect(sidebar).to_be_visible()
    expect(conversation).to_be_hidden()
    snap(phone, screenshot_dir / "mobile-chat-list.png")

    # Tap a chat: the conversation replaces the list.
    alice.chat_item("Bob Chen").tap()
    expect(conversation).to_be_visible()
    expect(sidebar).to_be_hidden()
    expect(alice.conversation_title).to_have_text("Bob Chen")
    expect(alice.messages("Did you see the match last night?")).to_have_count(1)
    alice.send("Yes! What a finish. That last-minute goal was unreal")
    expect(bob.messages("Yes! What a finish. That last-minute goal was unreal")).to_have_count(1)
    bob.send("Unbelievable. Rematch at ours on Sunday?")
    expect(alice.messages("Unbelievable. Rematch at ours on Sunday?")).to_have_count(1)
    snap(phone, screenshot_dir / "mobile-conversation.png")

    # Back: the list again, with Bob's chat read and focused.
    phone.get_by_role("button", name="Back to chats").tap()
    expect(sidebar).to_be_visible()
    expect(conversation).to_be_hidden()
    expect(alice.chat_item("Bob Chen").locator(".badge")).to_have_count(0)
    expect(alice.chat_item("Bob Chen")).to_be_focused()
    expect(alice.chat_item("Carol Diaz").locator(".badge")).to_have_text("1")

    # The browser's back button works the same way (#/chat/<id> routes).
    alice.chat_item("Carol Diaz").tap()
    expect(alice.conversation_title).to_have_text("Carol Diaz")
    phone.go_back()
    expect(sidebar).to_be_visible()
    expect(conversation).to_be_hidden()

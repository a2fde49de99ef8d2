"""Group rooms in the browser: create one with people in it, invite more, leave; everyone's
list follows live (chat_invite, member_joined, member_left)."""

from __future__ import annotations

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage
from web_ui import Person, unique


def test_create_invite_talk_and_leave_a_room(server: ServerProcess, new_page: NewPage) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    carol = Person(new_page(server.base_url), unique("carol"), "Carol Diaz").register()

    # Alice creates "Book club" with Bob in it.
    page = alice.page
    page.get_by_role("button", name="New room").click()
    dialog = page.get_by_role("dialog", name="New group room")
    dialog.get_by_label("Room name").fill("Book club")
    dialog.get_by_role("searchbox", name="Add to the room").fill(bob.username[:-2])
    dialog.locator(f'.person[data-username="{bob.username}"]').click()
    expect(dialog.locator(".chip")).to_have_text(["Bob Chen"])
    dialog.get_by_role("button", name="Create room").click()
    expect(dialog).to_be_hidden()
    expect(alice.conversation_title).to_have_text("Book club")
    expect(page.locator("#conv-sub")).to_contain_text("2 members")

    # Bob is told, and the room is in his list.
    expect(bob.page.get_by_role("status").filter(has_text="added to Book club")).to_be_visible()
    bob.open_chat("Book club")
    bob.send("Hi all, I'm halfway through chapter 3")
    message = alice.messages("Hi all, I'm halfway through chapter 3")
    expect(message.locator(".sender")).to_have_text("Bob Chen")

    # Alice invites Carol from the members dialog; Bob's header counts her in.
    page.get_by_role("button", name="Members").click()
    members = page.get_by_role("dialog", name="Book club")
    expect(members.locator(".member")).to_have_count(2)
    members.get_by_role("searchbox", name="Invite").fill(carol.username[:-2])
    members.locator(f'.person[data-username="{carol.username}"]').click()
    expect(members.locator(".member")).to_have_count(3)
    members.get_by_role("button", name="Close").click()
    expect(carol.chat_item("Book club")).to_be_visible()
    expect(bob.page.locator("#conv-sub")).to_contain_text("3 members")

    # Carol says hello and leaves (a second click confirms).
    carol.open_chat("Book club")
    carol.send("Thanks for the invite!")
    expect(bob.messages("Thanks for the invite!")).to_have_count(1)
    carol.page.get_by_role("button", name="Members").click()
    leave = carol.page.get_by_role("dialog", name="Book club").get_by_role("button", name="Leave")
    leave.click()
    expect(leave).to_have_text("Click again to leave")
    leave.click()
    expect(carol.chat_item("Book club")).to_have_count(0)
    expect(carol.page.locator(".conv-empty")).to_be_visible()
    expect(bob.page.locator("#conv-sub")).to_contain_text("2 members")

    # Removed by the owner over REST: Bob's room disappears from his screen live.
    token = alice.token(server.base_url)
    chat_id = alice.page.url.rsplit("/", 1)[-1]
    bob_id = bob.page.evaluate("() => JSON.parse(localStorage.getItem('hubbub.session')).user.id")
    httpx.delete(
        f"{server.base_url}/api/v1/chats/{chat_id}/members/{bob_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).raise_for_status()
    expect(bob.chat_item("Book club")).to_have_count(0)
    expect(bob.page.locator(".conv-empty")).to_be_visible()
    expect(bob.page.get_by_role("status").filter(has_text="no longer in Book club")).to_be_visible()

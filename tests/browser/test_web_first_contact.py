"""What a first-time user of the web client ran into (issue 10), each fixed and kept fixed:
the online count leaves nobody out, the owner removes room members, the header's buttons say
what they do, the connection banner covers nothing, and at tablet widths the assistant's panel
leaves the conversation usable. (Advice asked for twice: tests/browser/test_web_ai.py.)"""

from __future__ import annotations

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import Locator, Page, expect
from web_server import NewPage
from web_ui import Person, unique

TABLET = {"width": 820, "height": 900}
PHONE = {"width": 390, "height": 844}


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def inside_viewport(page: Page, found: dict[str, float]) -> bool:
    size = page.viewport_size or {"width": 0, "height": 0}
    return (
        found["x"] >= 0
        and found["y"] >= 0
        and found["x"] + found["width"] <= size["width"] + 0.5
        and found["y"] + found["height"] <= size["height"] + 0.5
    )


def make_room(owner: Person, title: str, *members: Person) -> None:
    """`owner` creates a room with `members` in it and opens it."""
    page = owner.page
    page.get_by_role("button", name="New room").click()
    dialog = page.get_by_role("dialog", name="New group room")
    dialog.get_by_label("Room name").fill(title)
    for member in members:
        dialog.get_by_role("searchbox", name="Add to the room").fill(member.username[:-2])
        dialog.locator(f'.person[data-username="{member.username}"]').click()
    dialog.get_by_role("button", name="Create room").click()
    expect(owner.conversation_title).to_have_text(title)


def test_the_online_count_includes_the_viewer(server: ServerProcess, new_page: NewPage) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    carol = Person(new_page(server.base_url), unique("carol"), "Carol Diaz").register()
    carol.page.get_by_role("button", name="Sign out").click()  # Carol is offline
    make_room(alice, "Garden", bob, carol)
    header = alice.page.locator("#conv-sub")
    # Alice and Bob are online (Alice is looking at it), Carol is not.
    expect(header).to_have_text("3 members, 2 online")
    bob.page.get_by_role("button", name="Sign out").click()
    expect(header).to_have_text("3 members, 1 online")


def test_the_owner_removes_a_member_after_confirming(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    carol = Person(new_page(server.base_url), unique("carol"), "Carol Diaz").register()
    make_room(alice, "Choir", bob, carol)
    expect(bob.chat_item("Choir")).to_be_visible()

    # Bob, a member, can only leave; nobody gets a Remove button but the owner.
    bob.open_chat("Choir")
    bob.page.get_by_role("button", name="Members").click()
    bobs = bob.page.get_by_role("dialog", name="Choir")
    expect(bobs.locator(".member")).to_have_count(3)
    expect(bobs.get_by_role("button", name="Remove")).to_have_count(0)
    bobs.get_by_role("button", name="Close").click()

    alice.page.get_by_role("button", name="Members").click()
    dialog = alice.page.get_by_role("dialog", name="Choir")
    expect(dialog.locator(".member")).to_have_count(3)
    expect(dialog.get_by_role("button", name="Remove")).to_have_count(2)  # not herself
    remove = dialog.get_by_role("button", name="Remove Carol Diaz from the room")
    remove.click()
    confirm = dialog.get_by_role("button", name="Click again to remove Carol Diaz")
    expect(confirm).to_have_text("Click again to remove")
    expect(dialog.locator(".member")).to_have_count(3)  # nothing happened yet
    confirm.click()

    expect(dialog.locator(".member")).to_have_count(2)
    expect(dialog.locator(".member")).not_to_contain_text(["Carol Diaz"])
    expect(carol.chat_item("Choir")).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()
    expect(alice.page.locator("#conv-sub")).to_contain_text("2 members")
    expect(bob.page.locator("#conv-sub")).to_contain_text("2 members")

    # The server agrees: Carol is out.
    token = alice.token(server.base_url)
    chat_id = alice.page.url.rsplit("/", 1)[-1]
    members = httpx.get(
        f"{server.base_url}/api/v1/chats/{chat_id}/members",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["members"]
    assert sorted(m["user"]["username"] for m in members) == sorted([alice.username, bob.username])


def test_new_room_and_sign_out_are_labelled(server: ServerProcess, new_page: NewPage) -> None:
    for viewport in (None, PHONE):
        person = Person(new_page(server.base_url, viewport=viewport), unique("dana"), "Dana")
        person.register()
        head = person.page.locator(".sidebar-head")
        for label in ("New room", "Sign out"):
            button = head.get_by_role("button", name=label, exact=True)
            expect(button).to_be_visible()
            expect(button).to_have_text(label)  # a visible label, the button's name
            found = box(button)
            assert inside_viewport(person.page, found), (label, viewport, found)
        expect(head.locator(".me-name")).to_be_visible()


def test_the_reconnecting_banner_leaves_the_chat_header_visible(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    header = alice.page.locator(".conv-head")
    top_before = box(header)["y"]

    alice.page.context.set_offline(True)
    banner = alice.page.locator("#banner")
    expect(banner).to_contain_text("Reconnecting")
    # The banner pushes the app down: the whole header, with its buttons, stays in view.
    assert not overlap(box(banner), box(header))
    assert box(header)["y"] >= box(banner)["y"] + box(banner)["height"] - 0.5
    assert inside_viewport(alice.page, box(header))
    alice.page.get_by_role("button", name="AI assistant").click()  # not covered: clickable
    expect(alice.page.get_by_role("complementary", name="Assistant")).to_be_visible()
    assert inside_viewport(alice.page, box(alice.composer))

    alice.page.context.set_offline(False)
    expect(banner).to_be_hidden()
    assert box(header)["y"] == top_before


def test_at_tablet_width_the_assistant_panel_leaves_the_conversation_usable(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice = Person(new_page(server.base_url, viewport=TABLET), unique("alice"), "Alice Martin")
    alice.register()
    bob = Person(new_page(server.base_url), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    page = alice.page
    page.get_by_role("button", name="AI assistant").click()
    panel = page.get_by_role("complementary", name="Assistant")
    expect(panel).to_be_visible()

    conversation = page.locator("section.conversation")
    expect(conversation).to_be_visible()
    for part in (conversation, alice.composer, page.locator(".conv-head")):
        assert not overlap(box(panel), box(part)), part
        assert inside_viewport(page, box(part)), part
    assert box(conversation)["width"] >= 400  # room to read, not a sliver
    # The composer takes a click and a message (Playwright clicks only what is on top).
    alice.send("typed with the assistant open")
    expect(alice.messages("typed with the assistant open")).to_have_attribute("data-status", "sent")
    expect(bob.chat_item("Alice Martin")).to_contain_text("typed with the assistant open")

    # Closing the panel brings the chat list back.
    expect(page.get_by_role("list", name="Chats")).to_be_hidden()
    page.get_by_role("button", name="Close the AI panel").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("list", name="Chats")).to_be_visible()

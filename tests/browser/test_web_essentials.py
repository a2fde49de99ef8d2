"""The messenger essentials in real Chromium: edit, delete, reply (and jump to the original),
react, search (and open the hit, loading history), upload an image, mentions, mute, and a
browser notification while the tab is hidden."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
from e2e_server import ServerProcess
from PIL import Image
from playwright.sync_api import Page, expect
from web_server import NewPage
from web_ui import Person, snap, unique

# Records every browser notification the page creates (the real one is still created).
NOTIFICATION_SPY = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Spy extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: (options || {}).body || "" });
    }
  }
  window.Notification = Spy;
})();
"""


def hide_tab(page: Page) -> None:
    """What the page sees when its tab goes to the background."""
    page.evaluate(
        """() => {
          Object.defineProperty(
            document, "visibilityState", { configurable: true, get: () => "hidden" });
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )


def wait_for_notes(page: Page, count: int, wait: float = 10.0) -> list[dict[str, str]]:
    """The notifications the page created, once there are `count` (the page's CSP forbids
    Playwright's polling helpers, which evaluate strings)."""
    deadline = time.monotonic() + wait
    while True:
        notes: list[dict[str, str]] = page.evaluate("window.__notes")
        if len(notes) >= count or time.monotonic() > deadline:
            return notes
        page.wait_for_timeout(100)


def pair(server: ServerProcess, new_page: NewPage, **options: object) -> tuple[Person, Person]:
    alice = Person(new_page(server.base_url), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(server.base_url, **options), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    return alice, bob


def act_on(person: Person, text: str, action: str) -> None:
    message = person.messages(text)
    message.hover()
    message.get_by_role("button", name=action, exact=True).click()


def test_edit_reply_react_and_delete(
    server: ServerProcess, new_page: NewPage, screenshot_dir: Path
) -> None:
    alice, bob = pair(server, new_page)
    alice.send("Lunch at noon tomorow?")
    bob.open_chat("Alice Martin")
    expect(bob.messages("Lunch at noon tomorow?")).to_have_count(1)

    # Alice fixes her typo: both see the new text, marked edited.
    act_on(alice, "Lunch at noon tomorow?", "Edit")
    expect(alice.composer).to_have_value("Lunch at noon tomorow?")
    alice.composer.fill("Lunch at noon tomorrow?")
    alice.composer.press("Enter")
    for person in (alice, bob):
        expect(person.messages("Lunch at noon tomorrow?")).to_have_count(1)
        expect(person.messages("Lunch at noon tomorrow?").locator(".edited")).to_have_text("edited")

    # Bob answers that message: the reply quotes it on both sides.
    act_on(bob, "Lunch at noon tomorrow?", "Reply")
    expect(bob.page.locator(".composer-bar")).to_contain_text("Replying to Alice Martin")
    bob.send("Yes, see you there")
    for person in (alice, bob):
        reply = person.messages("Yes, see you there")
        expect(reply.locator(".reply-quote")).to_contain_text("Lunch at noon tomorrow?")

    # Bob reacts with a quick reaction; Alice sees the count, and adds her own.
    act_on(bob, "Lunch at noon tomorrow?", "React")
    bob.page.get_by_role("button", name="React with 👍").click()
    alice_chip = alice.messages("Lunch at noon tomorrow?").locator(".reaction")
    expect(alice_chip).to_have_text("👍1")
    expect(alice_chip).to_have_attribute("aria-pressed", "false")
    alice_chip.click()
    expect(bob.messages("Lunch at noon tomorrow?").locator(".reaction")).to_have_text("👍2")
    expect(alice_chip).to_have_attribute("aria-pressed", "true")
    snap(alice.page, screenshot_dir / "essentials.png")

    # Clicking the quote goes to the original.
    alice.messages("Yes, see you there").locator(".reply-quote").click()
    expect(alice.messages("Lunch at noon tomorrow?")).to_have_class("msg mine flash")

    # Alice deletes it for everyone: a tombstone on both sides, and the reply says so.
    alice.page.once("dialog", lambda dialog: dialog.accept())
    act_on(alice, "Lunch at noon tomorrow?", "Delete")
    for person in (alice, bob):
        expect(person.page.locator(".text.tombstone")).to_have_text("This message was deleted.")
        expect(person.messages("Lunch at noon tomorrow?")).to_have_count(0)


def test_search_finds_other_forms_and_opens_the_message(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice, bob = pair(server, new_page)
    token = alice.token(server.base_url)
    chat_id = alice.page.evaluate("location.hash").split("/")[-1]
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        auth = {"Authorization": f"Bearer {token}"}
        texts = ["The quarterly budget meeting is on Friday"] + [f"filler {n}" for n in range(70)]
        for text in texts:
            http.post(f"/api/v1/chats/{chat_id}/messages", json={"text": text}, headers=auth)
    bob.open_chat("Alice Martin")
    expect(bob.messages("filler 69")).to_have_count(1)

    bob.page.get_by_role("button", name="Search messages").click()
    dialog = bob.page.get_by_role("dialog", name="Search messages")
    dialog.get_by_role("searchbox", name="Search messages").fill("meetings")
    dialog.get_by_role("button", name="Search").click()
    hit = dialog.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("meeting")
    hit.click()

    # The hit is 70 messages back: the conversation loads earlier pages to show it.
    original = bob.messages("The quarterly budget meeting is on Friday")
    expect(original).to_be_in_viewport()
    expect(original).to_have_class("msg theirs flash")


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def test_an_image_is_uploaded_and_shown_with_its_thumbnail(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice, bob = pair(server, new_page)
    bob.open_chat("Alice Martin")

    alice.page.locator('input[type="file"]').set_input_files(
        files=[{"name": "sky.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    expect(alice.page.locator(".composer-bar")).to_contain_text("sky.png")
    alice.composer.press("Enter")

    for person in (alice, bob):
        image = person.page.locator(".file-image img")
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("alt", "sky.png")
        expect(image).to_have_js_property("complete", True)
        width = image.evaluate("img => img.naturalWidth")
        assert width == 320  # the server's thumbnail, not the 640 px original


def test_a_hidden_tab_notifies_unless_the_chat_is_muted_and_mentions_show(
    server: ServerProcess, new_page: NewPage
) -> None:
    alice, bob = pair(server, new_page, permissions=["notifications"])
    bob.page.add_init_script(NOTIFICATION_SPY)
    bob.page.reload()
    expect(bob.chat_item("Alice Martin")).to_be_visible()
    hide_tab(bob.page)

    alice.send(f"Are you there @{bob.username}?")
    notes = wait_for_notes(bob.page, 1)
    assert notes == [{"title": "Alice Martin", "body": f"Are you there @{bob.username}?"}]

    # Muted: unread still counted (shown muted), no notification.
    bob.open_chat("Alice Martin")
    expect(bob.messages(f"Are you there @{bob.username}?").locator(".mention-me")).to_have_text(
        f"@{bob.username}"
    )
    bob.page.get_by_role("button", name="Mute this chat").click()
    expect(bob.page.get_by_role("button", name="Unmute this chat")).to_be_visible()
    bob.page.evaluate("location.hash = '#/'")
    alice.send("Still there?")
    # (the tab is still hidden, so nothing was marked read: both messages are unread)
    expect(bob.chat_item("Alice Martin").locator(".badge-muted")).to_have_text("2")
    bob.page.wait_for_timeout(500)
    assert len(bob.page.evaluate("window.__notes")) == 1

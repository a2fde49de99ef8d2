"""The diary and matches in real Chromium: write an entry (tags, self-rating) and see its
mood arrive, edit it, delete it; the 30-day chart; the discoverable switch, matches and
"say hi" opening a direct chat with the assistant's first line in the viewer's language."""

from __future__ import annotations

from pathlib import Path

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import expect
from web_server import NewPage
from web_ui import Person, snap, unique

JOYFUL = [
    "What a wonderful day! We laughed all afternoon in the park and I felt so happy.",
    "I got the job! I am thrilled and grateful, everything feels bright today.",
    "Dinner with old friends tonight, so much laughter and warmth. I love them.",
]


RUSSIAN = """Object.defineProperty(Navigator.prototype, "language", { get: () => "ru-RU" });"""


def person(new_page: NewPage, server: ServerProcess, name: str, *, russian: bool = False) -> Person:
    page = new_page(server.base_url)
    if russian:  # a browser set to Russian (the suite's contexts are en-GB)
        page.add_init_script(RUSSIAN)
    return Person(page, unique(name), name.title()).register()


def write_entry(me: Person, text: str, *, tags: str = "", rating: str = "") -> None:
    page = me.page
    form = page.locator(".diary-write form")
    form.get_by_label("What's on your mind?").fill(text)
    if tags:
        form.get_by_label("Tags").fill(tags)
    if rating:
        form.get_by_label("How do you rate your mood?").select_option(rating)
    form.get_by_role("button", name="Save entry").click()
    expect(form.get_by_label("What's on your mind?")).to_have_value("")


def test_write_see_the_mood_arrive_edit_and_delete(
    new_page: NewPage, server: ServerProcess, screenshot_dir: Path
) -> None:
    me = person(new_page, server, "diarist")
    page = me.page
    page.get_by_role("button", name="Diary").click()
    expect(page.get_by_role("heading", name="Your diary")).to_be_visible()
    expect(page.get_by_role("img", name="no analysed entries yet", exact=False)).to_be_visible()

    write_entry(me, JOYFUL[0], tags="walk, #Friends", rating="5")

    entry = page.locator(".diary-entry").first
    expect(entry.locator(".entry-text")).to_have_text(JOYFUL[0])
    expect(entry.locator(".tag")).to_have_text(["#walk", "#friends"])
    expect(entry.get_by_label("Rated 5 of 5")).to_be_visible()
    # the mood arrives by itself (the diary_mood frame), and the chart gets its first bar
    expect(entry.locator(".entry-mood")).to_contain_text("Mood: joy", timeout=60_000)
    expect(page.locator(".mood-chart .mood-bar.up")).to_have_count(1)
    expect(page.get_by_role("img", name="1 days with entries", exact=False)).to_be_visible()
    snap(page, screenshot_dir / "diary.png")

    entry.get_by_role("button", name="Edit").click()
    editor = page.locator(".diary-list form")
    editor.get_by_label("What's on your mind?").fill(
        "I miss my grandmother so much and cried all evening."
    )
    editor.get_by_role("button", name="Save changes").click()
    entry = page.locator(".diary-entry").first
    expect(entry.locator(".entry-text")).to_contain_text("grandmother")
    expect(entry.locator(".entry-mood")).to_contain_text("Mood: sadness", timeout=60_000)
    expect(page.locator(".mood-chart .mood-bar.down")).to_have_count(1)

    entry.get_by_role("button", name="Delete").click()
    entry.get_by_role("button", name="Delete for good?").click()
    expect(page.locator(".diary-entry")).to_have_count(0)
    answer = httpx.get(
        f"{server.base_url}/api/v1/diary/entries",
        headers={"Authorization": f"Bearer {me.token(server.base_url)}"},
        timeout=10,
    )
    assert answer.json()["entries"] == []


def test_matches_discoverable_and_say_hi_with_a_first_line(
    new_page: NewPage, server: ServerProcess, screenshot_dir: Path
) -> None:
    alice = person(new_page, server, "alice")
    bob = person(new_page, server, "bob", russian=True)
    for who in (alice, bob):
        who.page.get_by_role("button", name="Matches").click()
        toggle = who.page.get_by_label("Let people with a similar mood find me")
        expect(toggle).not_to_be_checked()
        expect(who.page.locator(".match-reason")).to_contain_text("Too little to go on")
        toggle.check()
        expect(toggle).to_be_checked()
        who.page.get_by_role("button", name="Diary").click()
        for text in JOYFUL:
            write_entry(who, text)
        expect(who.page.locator(".entry-mood:not(.pending)")).to_have_count(3, timeout=90_000)

    page = bob.page
    page.get_by_role("button", name="Matches").click()
    card = page.locator(".match").filter(has_text=f"@{alice.username}")
    expect(card).to_be_visible()
    expect(card.locator(".shared .tag").first).to_have_text("joy")
    expect(page.get_by_label("Let people with a similar mood find me")).to_be_checked()
    snap(page, screenshot_dir / "matches.png")

    card.get_by_role("button", name="Say hi to Alice").click()
    expect(bob.conversation_title).to_have_text("Alice")
    # the viewer's language (ru-RU): a Russian first line about joy, ready to edit or send
    expect(bob.composer).not_to_have_value("")
    draft = bob.composer.input_value()
    assert any("а" <= ch <= "я" for ch in draft.lower()), draft
    bob.composer.press("Enter")
    expect(bob.messages(draft)).to_have_count(1)


def test_on_a_phone_the_diary_is_a_screen_of_its_own_with_a_way_back(
    new_page: NewPage, server: ServerProcess
) -> None:
    page = new_page(
        server.base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    me = Person(page, unique("phone"), "Phone").register()
    page.get_by_role("button", name="Diary").click()
    expect(page.get_by_role("heading", name="Your diary")).to_be_visible()
    expect(page.get_by_label("Find people by username")).to_be_hidden()
    write_entry(me, JOYFUL[2])
    expect(page.locator(".diary-entry .entry-mood")).to_contain_text("Mood: joy", timeout=60_000)

    page.get_by_role("button", name="Back to chats").click()
    expect(page.get_by_label("Find people by username")).to_be_visible()
    expect(page.get_by_role("heading", name="Your diary")).to_be_hidden()

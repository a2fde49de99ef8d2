"""Driving the web client as a person does: a `Person` is one browser page of one user."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct-horse-battery"
EXPECT_TIMEOUT_MS = 10_000
RECOVERY_TIMEOUT_MS = 30_000  # reconnect after a server restart (backoff included)

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def unique(name: str) -> str:
    """A username no other test uses, readable in screenshots."""
    return f"{name}_{uuid.uuid4().hex[:6]}"


def exactly(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def snap(page: Page, path: Path) -> None:
    """A screenshot for the docs: no hover effect where the mouse last was, no animation."""
    page.mouse.move(page.viewport_size["width"] - 2 if page.viewport_size else 0, 2)
    page.screenshot(path=path, animations="disabled")


@dataclass
class Person:
    page: Page
    username: str
    display_name: str

    # -- accounts -----------------------------------------------------------------------

    def register(self) -> Person:
        """Open the client, create the account (which logs in) and wait for the chat list."""
        page = self.page
        page.goto("/")
        page.get_by_role("tab", name="Create account").click()
        page.get_by_label("Username").fill(self.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Display name").fill(self.display_name)
        page.get_by_role("button", name="Create account", exact=True).click()
        expect(page.get_by_role("list", name="Chats")).to_be_attached()
        expect(page.locator(".me-name")).to_have_text(self.display_name)
        return self

    def token(self, base_url: str) -> str:
        """A fresh JWT of this person (for REST checks and seeding from the test)."""
        answer = httpx.post(
            f"{base_url}/api/v1/auth/login",
            json={"username": self.username, "password": PASSWORD},
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["token"])

    # -- chats --------------------------------------------------------------------------

    def open_direct_chat(self, other: Person) -> None:
        """Find `other` by username and open the direct chat with them."""
        page = self.page
        page.get_by_label("Find people by username").fill(other.username[:-2])
        page.locator(f'.person[data-username="{other.username}"]').click()
        expect(self.conversation_title).to_have_text(other.display_name)

    def chat_item(self, title: str) -> Locator:
        return self.page.locator(f'.chat-item[data-title="{title}"]')

    def open_chat(self, title: str) -> None:
        self.chat_item(title).click()
        expect(self.conversation_title).to_have_text(title)

    @property
    def conversation_title(self) -> Locator:
        return self.page.locator("#conv-title")

    # -- messages -----------------------------------------------------------------------

    @property
    def composer(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    def send(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press("Enter")
        expect(self.composer).to_have_value("")

    def messages(self, text: str) -> Locator:
        """The message elements whose text is exactly `text`."""
        return self.page.locator(".message-list li.msg").filter(
            has=self.page.locator("p.text", has_text=exactly(text))
        )

    def all_messages(self) -> Locator:
        return self.page.locator(".message-list li.msg")

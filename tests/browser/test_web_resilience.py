"""The client rides out a server restart and a network drop: messages sent meanwhile show as
pending, are delivered exactly once afterwards, and what others sent meanwhile arrives
through `sync`."""

from __future__ import annotations

import re

import httpx
from e2e_server import ServerProcess
from playwright.sync_api import WebSocketRoute, expect
from web_server import NewPage, SamePortServer
from web_ui import RECOVERY_TIMEOUT_MS, Person, unique

CONFIRMED = re.compile(r"^(sent|read)$")


def history_texts(base_url: str, token: str, chat_id: str) -> list[str]:
    answer = httpx.get(
        f"{base_url}/api/v1/chats/{chat_id}/messages",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    return [m["text"] for m in answer.json()["messages"]]


def post_as(base_url: str, token: str, chat_id: str, text: str) -> None:
    httpx.post(
        f"{base_url}/api/v1/chats/{chat_id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).raise_for_status()


def test_server_restart_mid_conversation(own_server: SamePortServer, new_page: NewPage) -> None:
    base = own_server.base_url
    alice = Person(new_page(base), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(base), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("before the restart")
    bob.open_chat("Alice Martin")
    expect(bob.messages("before the restart")).to_have_count(1)
    chat_id = alice.page.url.rsplit("/", 1)[-1]

    # SIGTERM: the server closes every socket with 1012 and exits.
    own_server.terminate()
    assert own_server.wait(15) == 0
    for person in (alice, bob):
        expect(person.page.locator("#banner")).to_contain_text("Reconnecting")

    # Sent while the server is down: shown at once, pending.
    alice.send("sent while the server is down")
    bob.send("bob wrote this during the outage")
    expect(alice.messages("sent while the server is down")).to_have_attribute(
        "data-status", "pending"
    )
    expect(bob.messages("bob wrote this during the outage")).to_have_attribute(
        "data-status", "pending"
    )

    # Alice's network is off while the server comes back, so that what Bob's phone sends now
    # can only reach her through `sync`.
    alice.page.context.set_offline(True)
    own_server.start()  # same data dir, same port
    bob_token = bob.token(base)
    post_as(base, bob_token, chat_id, "from bob's phone while alice was offline")
    alice.page.context.set_offline(False)

    for person in (alice, bob):
        expect(person.page.locator("#banner")).to_be_hidden(timeout=RECOVERY_TIMEOUT_MS)
    expect(alice.messages("sent while the server is down")).to_have_attribute(
        "data-status", CONFIRMED, timeout=RECOVERY_TIMEOUT_MS
    )
    expect(bob.messages("bob wrote this during the outage")).to_have_attribute(
        "data-status", CONFIRMED, timeout=RECOVERY_TIMEOUT_MS
    )
    expect(alice.messages("from bob's phone while alice was offline")).to_have_count(1)
    expect(bob.messages("from bob's phone while alice was offline")).to_have_count(1)
    expect(bob.messages("sent while the server is down")).to_have_count(1)
    expect(alice.messages("bob wrote this during the outage")).to_have_count(1)

    # The conversation goes on, and nothing is there twice, on screen or on the server.
    alice.send("all good again")
    expect(bob.messages("all good again")).to_have_count(1)
    texts = [
        "before the restart",
        "sent while the server is down",
        "bob wrote this during the outage",
        "from bob's phone while alice was offline",
        "all good again",
    ]
    for person in (alice, bob):
        for text in texts:
            expect(person.messages(text)).to_have_count(1)
        expect(person.all_messages()).to_have_count(len(texts))
    stored = history_texts(base, bob_token, chat_id)
    assert sorted(stored) == sorted(texts)


def test_network_drop_then_sync(server: ServerProcess, new_page: NewPage) -> None:
    base = server.base_url
    alice = Person(new_page(base), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(base), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("hello")
    expect(bob.chat_item("Alice Martin").locator(".badge")).to_have_text("1")
    chat_id = alice.page.url.rsplit("/", 1)[-1]

    # Bob's laptop loses the network; his phone (REST) keeps chatting, Alice too.
    bob.page.context.set_offline(True)
    expect(bob.page.locator("#banner")).to_contain_text("Reconnecting")
    bob_token = bob.token(base)
    post_as(base, bob_token, chat_id, "from my phone")
    alice.send("did you get this?")
    expect(alice.messages("from my phone")).to_have_count(1)
    bob.page.context.set_offline(False)

    # Back online: the socket reconnects at once and `sync` brings the missed messages. His
    # own message from the phone moved his read cursor, so one is unread.
    expect(bob.page.locator("#banner")).to_be_hidden()
    expect(bob.chat_item("Alice Martin")).to_contain_text("did you get this?")
    expect(bob.chat_item("Alice Martin").locator(".badge")).to_have_text("1")
    bob.open_chat("Alice Martin")
    for text in ("hello", "from my phone", "did you get this?"):
        expect(bob.messages(text)).to_have_count(1)


def test_a_reload_sends_what_was_not_yet_acknowledged(
    server: ServerProcess, new_page: NewPage
) -> None:
    base = server.base_url
    alice = Person(new_page(base), unique("alice"), "Alice Martin").register()
    bob = Person(new_page(base), unique("bob"), "Bob Chen").register()
    alice.open_direct_chat(bob)
    alice.send("before the socket went deaf")
    expect(bob.chat_item("Alice Martin")).to_be_visible()
    chat_id = alice.page.url.rsplit("/", 1)[-1]

    # Alice's next socket reaches no server: it opens, swallows her frames, never answers.
    deaf = {"on": True}

    def route(ws: WebSocketRoute) -> None:
        if not deaf["on"]:
            ws.connect_to_server()

    page = alice.page
    page.route_web_socket(re.compile(r"/ws"), route)
    page.context.set_offline(True)  # drop the real socket; the next one is the deaf one
    page.context.set_offline(False)
    alice.send("typed just before the reload")
    expect(alice.messages("typed just before the reload")).to_have_attribute(
        "data-status", "pending"
    )

    # The reload (the page asks first: there is an unsent message) brings a real socket.
    deaf["on"] = False
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(alice.messages("typed just before the reload")).to_have_attribute(
        "data-status", CONFIRMED, timeout=RECOVERY_TIMEOUT_MS
    )
    bob.open_chat("Alice Martin")
    expect(bob.messages("typed just before the reload")).to_have_count(1)
    expect(alice.messages("typed just before the reload")).to_have_count(1)
    texts = history_texts(base, bob.token(base), chat_id)
    assert texts == ["before the socket went deaf", "typed just before the reload"]

"""Edits, deletes, reactions and replies: the rules of LocalMessagesApi, over the fakes."""

import pytest

from hubbub.contexts.messages import MessageView
from hubbub.contexts.messages.fakes import InMemoryMessageStore, StaticDirectory, StaticMembership
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.ids import new_id

ALICE, BOB, OWNER, EVE = new_id(), new_id(), new_id(), new_id()
CHAT, ROOM, OTHER = new_id(), new_id(), new_id()
WINDOW = 3600.0


@pytest.fixture
def store() -> InMemoryMessageStore:
    return InMemoryMessageStore()


@pytest.fixture
def messages(
    store: InMemoryMessageStore, live: RecordingLiveEvents, clock: FixedClock
) -> LocalMessagesApi:
    membership = StaticMembership(
        {CHAT: {ALICE, BOB}, ROOM: {ALICE, BOB, OWNER}, OTHER: {ALICE}}, owners={ROOM: OWNER}
    )
    return LocalMessagesApi(
        users=StaticDirectory(),
        store=store,
        changes=store,
        membership=membership,
        live=live,
        clock=clock,
        edit_window_seconds=WINDOW,
    )


async def send(api: LocalMessagesApi, text: str = "hi", **kwargs: object) -> MessageView:
    chat = kwargs.pop("chat", CHAT)
    sender = kwargs.pop("sender", ALICE)
    result = await api.post(sender_id=sender, chat_id=chat, text=text, request_id=None, **kwargs)  # type: ignore[arg-type]
    return result.message


def updates(live: RecordingLiveEvents) -> list[dict[str, object]]:
    return [c.frame for c in live.calls if c.frame and c.frame["type"] == "message_updated"]


async def test_an_edit_is_told_to_every_member_with_the_new_text(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    sent = await send(messages, "helo")

    edited = await messages.edit(user_id=ALICE, chat_id=CHAT, message_id=sent.id, text=" hello ")

    assert (edited.text, edited.edited_at is not None) == ("hello", True)
    [frame] = updates(live)
    assert frame["change"] == "edited" and frame["change_id"] == 1
    assert frame["message"]["text"] == "hello"  # type: ignore[index]
    [call] = [c for c in live.calls if c.frame["type"] == "message_updated"]
    assert (call.kind, call.target, call.skip_connection, call.skip_user) == (
        "to_chat",
        CHAT,
        None,
        None,
    )


async def test_only_the_sender_edits_and_only_within_the_window(
    messages: LocalMessagesApi, live: RecordingLiveEvents, clock: FixedClock
) -> None:
    sent = await send(messages)

    with pytest.raises(Forbidden) as other:
        await messages.edit(user_id=BOB, chat_id=CHAT, message_id=sent.id, text="mine now")
    clock.advance(WINDOW + 1)
    with pytest.raises(Forbidden) as late:
        await messages.edit(user_id=ALICE, chat_id=CHAT, message_id=sent.id, text="too late")
    with pytest.raises(Invalid):
        await messages.edit(user_id=ALICE, chat_id=CHAT, message_id=sent.id, text="   ")

    assert (other.value.code, late.value.code) == ("not_your_message", "edit_window_expired")
    assert updates(live) == []


async def test_outsiders_and_unknown_messages_are_refused(messages: LocalMessagesApi) -> None:
    sent = await send(messages)

    with pytest.raises(Forbidden):
        await messages.delete(user_id=EVE, chat_id=CHAT, message_id=sent.id)
    with pytest.raises(NotFound):
        await messages.delete(user_id=ALICE, chat_id=CHAT, message_id=new_id())
    with pytest.raises(NotFound):  # a message of another chat is not in this one
        await messages.delete(user_id=ALICE, chat_id=OTHER, message_id=sent.id)


async def test_a_room_owner_deletes_anyones_message_a_member_only_their_own(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    from_bob = await send(messages, "spam", chat=ROOM, sender=BOB)
    from_owner = await send(messages, "rules", chat=ROOM, sender=OWNER)

    with pytest.raises(Forbidden):
        await messages.delete(user_id=BOB, chat_id=ROOM, message_id=from_owner.id)
    await messages.delete(user_id=OWNER, chat_id=ROOM, message_id=from_bob.id)

    [frame] = updates(live)
    assert frame["change"] == "deleted"
    assert frame["message"]["deleted"] is True and frame["message"]["text"] == ""  # type: ignore[index]


async def test_a_deleted_message_cannot_be_changed_again(messages: LocalMessagesApi) -> None:
    sent = await send(messages)
    await messages.delete(user_id=ALICE, chat_id=CHAT, message_id=sent.id)

    with pytest.raises(Conflict) as again:
        await messages.delete(user_id=ALICE, chat_id=CHAT, message_id=sent.id)
    with pytest.raises(Conflict):
        await messages.edit(user_id=ALICE, chat_id=CHAT, message_id=sent.id, text="x")
    with pytest.raises(Conflict):
        await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji="👍", on=True)
    assert again.value.code == "message_deleted"


@pytest.mark.parametrize(
    "emoji", ["👍", "❤️", "👍🏽", "👨\u200d👩\u200d👧", "🇺🇦", "1️⃣"], ids=lambda e: e.encode().hex()
)
async def test_any_single_emoji_is_a_reaction(messages: LocalMessagesApi, emoji: str) -> None:
    sent = await send(messages)

    view = await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji=emoji, on=True)

    assert [(r.emoji, r.count, r.me) for r in view.reactions] == [(emoji, 1, True)]


@pytest.mark.parametrize("bad", ["a", ":)", "👍👍", "👍 ", "", "x" * 200, "\u200d", "<b>"])
async def test_anything_but_one_emoji_is_refused(
    messages: LocalMessagesApi, live: RecordingLiveEvents, bad: str
) -> None:
    sent = await send(messages)

    with pytest.raises(Invalid) as refused:
        await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji=bad, on=True)

    assert refused.value.code == "invalid_emoji"
    assert updates(live) == []


async def test_reacting_twice_changes_nothing_and_tells_nobody(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    sent = await send(messages)

    await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji="👍", on=True)
    view = await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji="👍", on=True)
    seen_by_alice = await messages.react(
        user_id=ALICE, chat_id=CHAT, message_id=sent.id, emoji="🎉", on=False
    )

    assert len(updates(live)) == 1
    assert [(r.emoji, r.count, r.me) for r in view.reactions] == [("👍", 1, True)]
    assert [(r.emoji, r.me) for r in seen_by_alice.reactions] == [("👍", False)]


async def test_a_reply_carries_the_preview_and_must_stay_in_its_chat(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    original = await send(messages, "where shall we meet?", sender=BOB)
    elsewhere = await send(messages, "other chat", chat=OTHER)

    reply = await send(messages, "at noon", reply_to=original.id)
    with pytest.raises(Invalid) as refused:
        await send(messages, "nope", reply_to=elsewhere.id)

    assert reply.reply_to is not None
    assert (reply.reply_to.id, reply.reply_to.sender_id) == (original.id, BOB)
    assert reply.reply_to.text_preview == "where shall we meet?"
    pushed = [c.frame for c in live.calls if c.frame["type"] == "new_message"][-1]
    assert pushed["message"]["reply_to"]["id"] == str(original.id)  # type: ignore[index]
    assert refused.value.code == "invalid_reply_to"


async def test_changes_never_change_unread_counts(
    messages: LocalMessagesApi, store: InMemoryMessageStore
) -> None:
    sent = await send(messages)
    before = (await messages.activity(user_id=BOB, chat_ids=[CHAT]))[CHAT]

    await messages.edit(user_id=ALICE, chat_id=CHAT, message_id=sent.id, text="edited")
    await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji="👍", on=True)

    after = (await messages.activity(user_id=BOB, chat_ids=[CHAT]))[CHAT]
    assert (after.last_seq, after.last_read_seq) == (before.last_seq, before.last_read_seq)
    assert [c.change for c in store.changes] == ["edited", "reacted"]


async def test_changed_since_sets_me_for_the_reader(messages: LocalMessagesApi) -> None:
    sent = await send(messages)
    await messages.react(user_id=BOB, chat_id=CHAT, message_id=sent.id, emoji="👍", on=True)

    [(number, for_bob)] = await messages.changed_since(
        user_id=BOB, chat_id=CHAT, seq=1, after_change=None, limit=10
    )
    [(_, for_alice)] = await messages.changed_since(
        user_id=ALICE, chat_id=CHAT, seq=1, after_change=None, limit=10
    )
    with pytest.raises(Forbidden):
        await messages.changed_since(user_id=EVE, chat_id=CHAT, seq=1, after_change=None, limit=1)

    assert number == 1
    assert (for_bob.reactions[0].me, for_alice.reactions[0].me) == (True, False)

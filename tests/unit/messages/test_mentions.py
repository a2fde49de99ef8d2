"""@username mentions: parsing, resolving to room members, counting apart from unread."""

import pytest

from hubbub.contexts.messages.fakes import InMemoryMessageStore, StaticDirectory, StaticMembership
from hubbub.contexts.messages.mentions import mentioned_usernames
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.ids import new_id

ALICE, BOB, CAROL, EVE = new_id(), new_id(), new_id(), new_id()
ROOM, DIRECT = new_id(), new_id()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @bob!", {"bob"}),
        ("@Bob and @carol.", {"bob", "carol"}),
        ("mail bob@example.org", set()),
        ("@@bob", set()),
        ("@ab is too short", set()),
        ("no mention", set()),
    ],
)
def test_mentioned_usernames(text: str, names: set[str]) -> None:
    assert mentioned_usernames(text) == names


@pytest.fixture
def store() -> InMemoryMessageStore:
    return InMemoryMessageStore()


@pytest.fixture
def messages(
    store: InMemoryMessageStore, live: RecordingLiveEvents, clock: FixedClock
) -> LocalMessagesApi:
    return LocalMessagesApi(
        users=StaticDirectory({"alice": ALICE, "bob": BOB, "carol": CAROL, "eve": EVE}),
        store=store,
        changes=store,
        membership=StaticMembership(
            {ROOM: {ALICE, BOB, CAROL}, DIRECT: {ALICE, BOB}}, owners={ROOM: ALICE}
        ),
        live=live,
        clock=clock,
    )


async def test_mentions_of_room_members_are_counted_until_read(messages: LocalMessagesApi) -> None:
    await messages.post(
        sender_id=ALICE, chat_id=ROOM, text="@bob @eve @alice look", request_id=None
    )
    await messages.post(sender_id=CAROL, chat_id=ROOM, text="yes @BOB", request_id=None)
    await messages.post(sender_id=CAROL, chat_id=ROOM, text="no mention", request_id=None)

    bob = (await messages.activity(user_id=BOB, chat_ids=[ROOM]))[ROOM]
    alice = (await messages.activity(user_id=ALICE, chat_ids=[ROOM]))[ROOM]
    assert (bob.mention_count, bob.last_seq - bob.last_read_seq) == (2, 3)
    assert alice.mention_count == 0  # not by oneself; eve is no member

    await messages.mark_read(user_id=BOB, chat_id=ROOM, seq=1)
    assert (await messages.activity(user_id=BOB, chat_ids=[ROOM]))[ROOM].mention_count == 1


async def test_direct_chats_count_no_mentions(messages: LocalMessagesApi) -> None:
    await messages.post(sender_id=ALICE, chat_id=DIRECT, text="@bob hi", request_id=None)

    assert (await messages.activity(user_id=BOB, chat_ids=[DIRECT]))[DIRECT].mention_count == 0

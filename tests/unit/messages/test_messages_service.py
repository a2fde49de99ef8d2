"""LocalMessagesApi: the write path, history and read cursors, over the in-memory store."""

import asyncio
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from hubbub.contexts.messages import MessageView
from hubbub.contexts.messages.fakes import InMemoryMessageStore, StaticDirectory, StaticMembership
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.kernel.errors import Forbidden, Invalid, NotFound
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.ids import new_id

ALICE, BOB, EVE = new_id(), new_id(), new_id()
CHAT = new_id()


class FailingStore(InMemoryMessageStore):
    async def append(self, drafts: list[Draft], now: object) -> list[tuple[MessageView, bool]]:
        self.batch_sizes.append(len(drafts))
        raise RuntimeError("database is down")


@pytest.fixture
def store() -> InMemoryMessageStore:
    return InMemoryMessageStore()


@pytest.fixture
def messages(
    store: InMemoryMessageStore, live: RecordingLiveEvents, clock: FixedClock
) -> LocalMessagesApi:
    membership = StaticMembership({CHAT: {ALICE, BOB}})
    return LocalMessagesApi(
        users=StaticDirectory(),
        store=store,
        changes=store,
        membership=membership,
        live=live,
        clock=clock,
    )


async def post(
    api: LocalMessagesApi, text: str = "hi", *, sender: UUID = ALICE, request_id: str | None = None
) -> MessageView:
    result = await api.post(sender_id=sender, chat_id=CHAT, text=text, request_id=request_id)
    return result.message


async def post_many(api: LocalMessagesApi, count: int) -> list[MessageView]:
    return [await post(api, f"m{i}") for i in range(1, count + 1)]


# -- post -------------------------------------------------------------------------------


async def test_post_stores_the_trimmed_text_and_fans_it_out_to_the_chat(
    messages: LocalMessagesApi, live: RecordingLiveEvents, clock: FixedClock
) -> None:
    result = await messages.post(
        sender_id=ALICE, chat_id=CHAT, text="  hello  ", request_id="r-1", origin="conn-1"
    )

    message = result.message
    assert result.created is True
    assert (message.seq, message.text, message.request_id) == (1, "hello", "r-1")
    assert message.created_at == clock.now()
    [call] = live.calls
    assert (call.kind, call.target, call.skip_connection) == ("to_chat", CHAT, "conn-1")
    assert call.frame == {"type": "new_message", "message": message.model_dump(mode="json")}


@pytest.mark.parametrize("text", ["", "   ", "x" * 4097])
async def test_invalid_text_changes_nothing(
    messages: LocalMessagesApi, store: InMemoryMessageStore, live: RecordingLiveEvents, text: str
) -> None:
    with pytest.raises(Invalid):
        await post(messages, text)

    assert store.batch_sizes == []
    assert live.calls == []


async def test_a_repeated_request_id_returns_the_original_without_a_new_fanout(
    messages: LocalMessagesApi, store: InMemoryMessageStore, live: RecordingLiveEvents
) -> None:
    first = await messages.post(sender_id=ALICE, chat_id=CHAT, text="a", request_id="r-1")
    again = await messages.post(sender_id=ALICE, chat_id=CHAT, text="b", request_id="r-1")
    other_sender = await messages.post(sender_id=BOB, chat_id=CHAT, text="c", request_id="r-1")

    assert (again.created, again.message) == (False, first.message)
    assert (other_sender.created, other_sender.message.seq) == (True, 2)
    assert len(live.of_type("new_message")) == 2
    assert await store.last_seq(CHAT) == 2


async def test_concurrent_posts_share_transactions_and_get_gapless_seqs(
    messages: LocalMessagesApi, store: InMemoryMessageStore, live: RecordingLiveEvents
) -> None:
    sent = await asyncio.gather(*(post(messages, f"m{i}") for i in range(50)))

    assert sorted(m.seq for m in sent) == list(range(1, 51))
    assert sum(store.batch_sizes) == 50
    assert max(store.batch_sizes) > 1  # batched, not one transaction per message
    fanned = [call.frame["message"]["seq"] for call in live.of_type("new_message")]
    assert fanned == list(range(1, 51))  # fan-out follows seq order


async def test_concurrent_retries_of_one_request_yield_one_message(
    messages: LocalMessagesApi, store: InMemoryMessageStore
) -> None:
    results = await asyncio.gather(
        *(
            messages.post(sender_id=ALICE, chat_id=CHAT, text="once", request_id="r-1")
            for _ in range(5)
        )
    )

    assert [r.created for r in results] == [True, False, False, False, False]
    assert {r.message.id for r in results} == {results[0].message.id}
    assert await store.last_seq(CHAT) == 1


async def test_a_failed_write_fails_every_post_of_the_batch_and_emits_nothing(
    live: RecordingLiveEvents, clock: FixedClock
) -> None:
    membership = StaticMembership({CHAT: {ALICE}})
    api = LocalMessagesApi(
        users=StaticDirectory(),
        store=FailingStore(),
        changes=InMemoryMessageStore(),
        membership=membership,
        live=live,
        clock=clock,
    )

    outcomes = await asyncio.gather(*(post(api, f"m{i}") for i in range(5)), return_exceptions=True)

    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert live.calls == []


async def test_a_fanout_failure_does_not_fail_the_stored_post(
    messages: LocalMessagesApi, store: InMemoryMessageStore, live: RecordingLiveEvents
) -> None:
    live.fail = ConnectionError("fan-out down")

    with capture_logs() as logs:
        message = await post(messages, "still stored")

    assert await store.get(CHAT, message.id) == message
    assert [entry["event"] for entry in logs] == ["fanout_failed"]


@pytest.mark.parametrize(
    ("chat_id", "sender", "error"),
    [(CHAT, EVE, Forbidden), (new_id(), ALICE, NotFound)],
    ids=["non-member", "unknown-chat"],
)
async def test_only_members_of_existing_chats_may_post_read_or_mark(
    messages: LocalMessagesApi,
    store: InMemoryMessageStore,
    chat_id: UUID,
    sender: UUID,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await messages.post(sender_id=sender, chat_id=chat_id, text="hi", request_id=None)
    with pytest.raises(error):
        await messages.history(user_id=sender, chat_id=chat_id, limit=10)
    with pytest.raises(error):
        await messages.mark_read(user_id=sender, chat_id=chat_id, seq=1)
    assert store.batch_sizes == []


async def test_ai_generated_is_kept(messages: LocalMessagesApi) -> None:
    result = await messages.post(
        sender_id=ALICE, chat_id=CHAT, text="auto", request_id=None, ai_generated=True
    )
    assert result.message.ai_generated is True


# -- history ----------------------------------------------------------------------------


def seqs(page_messages: list[MessageView]) -> list[int]:
    return [m.seq for m in page_messages]


async def test_history_without_a_cursor_is_the_newest_page(messages: LocalMessagesApi) -> None:
    await post_many(messages, 10)

    newest = await messages.history(user_id=BOB, chat_id=CHAT, limit=3)
    everything = await messages.history(user_id=BOB, chat_id=CHAT, limit=10)

    assert (seqs(newest.messages), newest.has_previous, newest.has_next) == (
        [8, 9, 10],
        True,
        False,
    )
    assert (everything.has_previous, everything.has_next) == (False, False)
    assert seqs(everything.messages) == list(range(1, 11))


async def test_history_of_an_empty_chat(messages: LocalMessagesApi) -> None:
    page = await messages.history(user_id=BOB, chat_id=CHAT, limit=50)
    assert (page.messages, page.has_previous, page.has_next) == ([], False, False)


@pytest.mark.parametrize(
    ("before", "limit", "expected", "has_previous"),
    [(5, 2, [3, 4], True), (3, 2, [1, 2], False), (1, 5, [], False)],
)
async def test_history_before_a_message(
    messages: LocalMessagesApi, before: int, limit: int, expected: list[int], has_previous: bool
) -> None:
    sent = await post_many(messages, 10)

    page = await messages.history(
        user_id=BOB, chat_id=CHAT, limit=limit, before_id=sent[before - 1].id
    )

    assert (seqs(page.messages), page.has_previous, page.has_next) == (expected, has_previous, True)


@pytest.mark.parametrize(
    ("after", "limit", "expected", "has_previous", "has_next"),
    [
        (5, 3, [6, 7, 8], True, True),
        (8, 3, [9, 10], True, False),
        (7, 3, [8, 9, 10], True, False),
        (0, 4, [1, 2, 3, 4], False, True),
        (10, 3, [], True, False),
    ],
)
async def test_history_after_a_seq_or_a_message(
    messages: LocalMessagesApi,
    after: int,
    limit: int,
    expected: list[int],
    has_previous: bool,
    has_next: bool,
) -> None:
    sent = await post_many(messages, 10)

    by_seq = await messages.history(user_id=BOB, chat_id=CHAT, limit=limit, after_seq=after)
    assert (seqs(by_seq.messages), by_seq.has_previous, by_seq.has_next) == (
        expected,
        has_previous,
        has_next,
    )
    if after:
        by_id = await messages.history(
            user_id=BOB, chat_id=CHAT, limit=limit, after_id=sent[after - 1].id
        )
        assert by_id == by_seq


async def test_walking_back_with_before_id_visits_every_message_once(
    messages: LocalMessagesApi,
) -> None:
    await post_many(messages, 11)
    page = await messages.history(user_id=BOB, chat_id=CHAT, limit=4)
    seen = seqs(page.messages)
    while page.has_previous:
        page = await messages.history(
            user_id=BOB, chat_id=CHAT, limit=4, before_id=page.messages[0].id
        )
        seen = seqs(page.messages) + seen

    assert seen == list(range(1, 12))


async def test_history_cursor_from_another_chat_is_not_found(
    messages: LocalMessagesApi, store: InMemoryMessageStore
) -> None:
    [elsewhere] = await store.append([Draft(new_id(), ALICE, "x", None, False)], FixedClock().now())

    with pytest.raises(NotFound) as caught:
        await messages.history(user_id=BOB, chat_id=CHAT, limit=5, before_id=elsewhere[0].id)
    assert caught.value.code == "message_not_found"


@pytest.mark.parametrize(
    "arguments",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": 5, "after_seq": -1},
        {"limit": 5, "before_id": new_id(), "after_seq": 1},
    ],
)
async def test_history_refuses_bad_arguments(
    messages: LocalMessagesApi, arguments: dict[str, object]
) -> None:
    with pytest.raises(Invalid):
        await messages.history(user_id=BOB, chat_id=CHAT, **arguments)  # type: ignore[arg-type]


# -- read cursors -----------------------------------------------------------------------


async def test_mark_read_clamps_to_the_last_seq_and_tells_the_others(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    await post_many(messages, 3)
    live.calls.clear()

    cursor = await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=99)

    assert cursor == 3
    [call] = live.calls
    assert (call.kind, call.target, call.skip_user) == ("to_chat", CHAT, BOB)
    assert call.frame == {"type": "read", "chat_id": str(CHAT), "user_id": str(BOB), "seq": 3}


async def test_mark_read_never_moves_back_and_is_silent_when_it_does_not_move(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    await post_many(messages, 5)
    await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=4)
    live.calls.clear()

    assert await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=4) == 4
    assert await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=2) == 4
    assert await messages.mark_read(user_id=ALICE, chat_id=CHAT, seq=5) == 5  # own messages
    assert live.calls == []


async def test_mark_read_of_an_empty_chat_stays_at_zero(
    messages: LocalMessagesApi, live: RecordingLiveEvents
) -> None:
    assert await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=3) == 0
    assert live.calls == []


@pytest.mark.parametrize("seq", [-1, True])
async def test_mark_read_refuses_a_bad_seq(messages: LocalMessagesApi, seq: int) -> None:
    with pytest.raises(Invalid):
        await messages.mark_read(user_id=BOB, chat_id=CHAT, seq=seq)


async def test_activity_counts_own_messages_as_read(messages: LocalMessagesApi) -> None:
    await post_many(messages, 3)
    await post(messages, "reply", sender=BOB)

    mine = (await messages.activity(user_id=ALICE, chat_ids=[CHAT, new_id()]))[CHAT]
    theirs = (await messages.activity(user_id=BOB, chat_ids=[CHAT]))[CHAT]

    assert (mine.last_seq, mine.last_read_seq) == (4, 3)
    assert (theirs.last_seq, theirs.last_read_seq) == (4, 4)
    assert theirs.last_message is not None and theirs.last_message.text == "reply"


async def test_catch_up_starts_a_new_member_at_the_end(messages: LocalMessagesApi) -> None:
    await messages.catch_up(user_id=EVE, chat_id=CHAT)  # empty chat: nothing to do
    await post_many(messages, 3)

    await messages.catch_up(user_id=EVE, chat_id=CHAT)

    assert (await messages.activity(user_id=EVE, chat_ids=[CHAT]))[CHAT].last_read_seq == 3

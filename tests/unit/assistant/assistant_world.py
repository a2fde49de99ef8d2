"""The assistant wired as bootstrap() wires it, on in-memory stores and a scripted model, with
four people; `pump()` plays the outbox relay and the bus."""

from dataclasses import dataclass, field
from uuid import UUID

import orjson

from hubbub.contexts.assistant.binding_cache import ChatBindings
from hubbub.contexts.assistant.consumers import AssistantConsumers
from hubbub.contexts.assistant.fakes import InMemoryAssistantStore, ScriptedProvider
from hubbub.contexts.assistant.runner import JobRunner
from hubbub.contexts.assistant.service import LocalAssistantApi
from hubbub.contexts.chats import GroupCreate
from hubbub.contexts.chats.fakes import InMemoryChatStore
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.messages import MessageView
from hubbub.contexts.messages.fakes import (
    InMemoryMembershipStore,
    InMemoryMessageStore,
    StaticDirectory,
)
from hubbub.contexts.messages.membership import MembershipProjection
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.users import NewUser
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.cache.memory import InMemoryCache
from hubbub.infra.ratelimit import InMemoryRateLimiter
from hubbub.kernel.fakes import FixedClock, LiveCall, RecordingLiveEvents

PER_MINUTE = 1000
PER_DAY = 10_000


@dataclass
class World:
    assistant: LocalAssistantApi
    chats: LocalChatsApi
    messages: LocalMessagesApi
    consumers: AssistantConsumers
    store: InMemoryAssistantStore
    message_store: InMemoryMessageStore
    provider: ScriptedProvider
    live: RecordingLiveEvents
    clock: FixedClock
    alice: UUID
    bob: UUID
    carol: UUID
    dave: UUID
    names: dict[UUID, str] = field(default_factory=dict)

    async def direct(self, a: UUID, b: UUID) -> UUID:
        view, _ = await self.chats.open_direct(user_id=a, partner_id=b)
        return view.id

    async def group(self, owner: UUID, *others: UUID) -> UUID:
        view = await self.chats.create_group(
            owner_id=owner, group=GroupCreate(title="room", member_ids=list(others))
        )
        return view.id

    async def say(self, sender: UUID, chat_id: UUID, text: str = "hi") -> MessageView:
        """A human message, a second after the previous event."""
        self.clock.advance()
        result = await self.messages.post(
            sender_id=sender, chat_id=chat_id, text=text, request_id=None
        )
        return result.message

    async def queue_jobs(self) -> None:
        """Deliver the stored messages only: their jobs are queued, not yet run."""
        while self.message_store.outbox:
            posted = self.message_store.outbox.pop(0)
            await self.consumers.on_message_posted(posted.key, payload(posted.to_payload()))

    async def pump(self) -> None:
        """Deliver every event written to the outboxes (as the relay and the bus would),
        again and again until nothing new was written."""
        while self.message_store.outbox or self.store.outbox:
            while self.message_store.outbox:
                posted = self.message_store.outbox.pop(0)
                await self.consumers.on_message_posted(posted.key, payload(posted.to_payload()))
            while self.store.outbox:
                queued = self.store.outbox.pop(0)
                await self.consumers.on_job_queued(queued.key, payload(queued.to_payload()))

    async def history(self, chat_id: UUID) -> list[MessageView]:
        page = await self.messages.history(user_id=self.alice, chat_id=chat_id, limit=200)
        return page.messages

    def frames_to(self, user_id: UUID, frame_type: str) -> list[LiveCall]:
        return [
            c for c in self.live.of_type(frame_type) if c.kind == "to_user" and c.target == user_id
        ]


def payload(data: dict[str, object]) -> bytes:
    return orjson.dumps(data)


async def build_world(
    clock: FixedClock,
    live: RecordingLiveEvents,
    *,
    per_minute: int = PER_MINUTE,
    per_day: int = PER_DAY,
) -> World:
    users = LocalUsersApi(store=InMemoryUserStore(), presence=FixedPresence(), clock=clock)
    people = {
        n: (await users.create(new=NewUser(username=n, display_name=n.title()))).id
        for n in ("alice", "bob", "carol", "dave")
    }
    cache = InMemoryCache()
    membership = MembershipProjection(InMemoryMembershipStore(), InMemoryCache())
    message_store = InMemoryMessageStore()
    messages = LocalMessagesApi(
        users=StaticDirectory(),
        store=message_store,
        changes=message_store,
        membership=membership,
        live=live,
        clock=clock,
    )
    chats = LocalChatsApi(
        store=InMemoryChatStore(),
        users=users,
        live=live,
        clock=clock,
        cache=cache,
        activity=messages,
        committed=[membership.deliver],
    )
    store = InMemoryAssistantStore()
    bindings = ChatBindings(store, cache)
    provider = ScriptedProvider()
    runner = JobRunner(
        store=store,
        provider=provider,
        messages=messages,
        users=users,
        live=live,
        budgets=(
            InMemoryRateLimiter(limit=per_minute),
            InMemoryRateLimiter(limit=per_day, window_seconds=86_400),
        ),
        clock=clock,
    )
    consumers = AssistantConsumers(
        store=store, bindings=bindings, chats=chats, runner=runner, clock=clock
    )
    assistant = LocalAssistantApi(store=store, bindings=bindings, chats=chats, clock=clock)
    return World(
        assistant=assistant,
        chats=chats,
        messages=messages,
        consumers=consumers,
        store=store,
        message_store=message_store,
        provider=provider,
        live=live,
        clock=clock,
        names={uid: name.title() for name, uid in people.items()},
        **people,
    )

"""Bus handlers of the assistant: a stored message becomes one job per binding that reacts to
it; a queued job is run. Both are idempotent, since the bus delivers at least once."""

from uuid import UUID

import orjson

from hubbub.contexts.assistant import model
from hubbub.contexts.assistant.binding_cache import ChatBindings
from hubbub.contexts.assistant.events import AdviceRequested, AutoreplyRequested, request_of
from hubbub.contexts.assistant.model import Trigger
from hubbub.contexts.assistant.ports import AssistantStore
from hubbub.contexts.assistant.runner import JobRunner
from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.chats import ChatsApi
from hubbub.contexts.messages import MessagePosted
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Bus

GROUP = "assistant"
ACCOUNTS_GROUP = "assistant-accounts"
REQUEUE_BATCH = 1000


class AssistantConsumers:
    def __init__(
        self,
        *,
        store: AssistantStore,
        bindings: ChatBindings,
        chats: ChatsApi,
        runner: JobRunner,
        clock: Clock,
    ) -> None:
        self._store = store
        self._bindings = bindings
        self._chats = chats
        self._runner = runner
        self._clock = clock

    def subscribe(self, bus: Bus) -> None:
        """Register the handlers (before the bus starts)."""
        bus.subscribe(MessagePosted.topic, GROUP, self.on_message_posted)
        bus.subscribe(AdviceRequested.topic, GROUP, self.on_job_queued)
        bus.subscribe(AutoreplyRequested.topic, GROUP, self.on_job_queued)

    async def on_message_posted(self, _key: str, payload: bytes) -> None:
        """Queue a job for every binding of the chat that reacts to this message."""
        # Every stored message passes here and most chats have no binding: look at the raw
        # record first, and build the event only for chats that have one.
        data = orjson.loads(payload)
        if data.get("ai_generated"):
            return
        in_chat = await self._bindings.of_chat(UUID(data["chat_id"]))
        if not in_chat:
            return
        posted = MessagePosted.from_payload(data)
        assert isinstance(posted, MessagePosted)
        trigger = Trigger(
            posted.message_id, posted.seq, posted.sender_id, posted.ai_generated, posted.created_at
        )
        reacting = [b for b in in_chat if model.reacts_to(b, trigger)]
        if not reacting:
            return
        # A member who left keeps no say: their bindings stop with their membership.
        members = await self._chats.member_ids(chat_id=posted.chat_id)
        now = self._clock.now()
        jobs = [b.job(trigger, now) for b in reacting if b.user_id in members]
        await self._store.enqueue(jobs)

    async def on_job_queued(self, _key: str, payload: bytes) -> None:
        """Run the queued job."""
        await self._runner.run(UUID(orjson.loads(payload)["job_id"]))

    async def requeue(self, bus: Bus) -> int:
        """Hand the jobs still queued to the bus again; returns how many.

        For the in-process bus, which forgets what it held when the process stops: a job
        accepted before a restart (an on-demand request answered 202, say) still runs. A
        job handed over twice runs once, since it runs only while queued.
        """
        jobs = await self._store.queued_jobs(REQUEUE_BATCH)
        requests = [request_of(job) for job in jobs]
        await bus.publish_many([(r.topic, r.key, orjson.dumps(r.to_payload())) for r in requests])
        return len(requests)


class AssistantAccountConsumers:
    """Erases a deleted account's assistant data (bindings, threads, jobs, advice). Runs
    wherever the contexts' own consumers run (roles `all` and `relay`), not only where the
    model does: bindings are made through the API whether or not a model is deployed."""

    def __init__(self, *, store: AssistantStore, bindings: ChatBindings) -> None:
        self._store = store
        self._bindings = bindings

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, ACCOUNTS_GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """Delete the account's bindings, jobs and advice; its chats forget their bindings."""
        for chat_id in await self._store.erase_user(UUID(orjson.loads(payload)["user_id"])):
            await self._bindings.forget(chat_id)

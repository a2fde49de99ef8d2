"""JobRunner: one queued job → the owner's budget → the model → advice or an autoreply.

A job is delivered at least once. It runs only while it is still `queued` and its binding
still exists, and its result is written so that a second delivery changes nothing: advice is
stored and the job closed in one transaction, and an autoreply carries the job's id as its
`request_id`, which the messages context makes idempotent.

Nothing here can hurt a chat message: the message was stored and acknowledged before the job
existed, and every failure ends as a job status, a metric and a log line.
"""

import asyncio
from datetime import timedelta
from uuid import UUID

import structlog

from hubbub.contexts.assistant import model
from hubbub.contexts.assistant.guard import Guard
from hubbub.contexts.assistant.model import Advice, Job, JobStatus
from hubbub.contexts.assistant.ports import (
    Answer,
    AssistantStore,
    Prompt,
    Provider,
    ProviderError,
    Turn,
)
from hubbub.contexts.assistant.voice import Voice
from hubbub.contexts.messages import MessagesApi, MessageView
from hubbub.contexts.users import UsersApi
from hubbub.infra.observability.metrics import ASSISTANT_JOB_SECONDS, ASSISTANT_JOBS
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import DomainError, Forbidden, NotFound, RateLimited
from hubbub.kernel.frames import AiAdvice, Error
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import LiveEvents, RateLimit

log = structlog.get_logger(__name__)


class JobRunner:
    def __init__(
        self,
        *,
        store: AssistantStore,
        provider: Provider,
        messages: MessagesApi,
        users: UsersApi,
        live: LiveEvents,
        budgets: tuple[RateLimit, ...],
        clock: Clock,
        guard: Guard | None = None,
        timeout_seconds: float = 120.0,
    ) -> None:
        self._store = store
        self._provider = provider
        self._messages = messages
        self._users = users
        self._live = live
        self._budgets = budgets  # per minute and per day, per owner
        self._clock = clock
        self._guard = guard  # local rules checked before any model call
        self._timeout = timeout_seconds

    async def run(self, job_id: UUID) -> None:
        """Run the job if it is still queued (a redelivery of a finished job does nothing)."""
        job = await self._store.get_job(job_id)
        if job is None or job.status is not JobStatus.QUEUED:
            return
        with structlog.contextvars.bound_contextvars(job_id=str(job.id), user_id=str(job.user_id)):
            await self._run(job)

    async def _run(self, job: Job) -> None:
        if await self._store.get_binding(job.binding_id) is None:
            await self._close(job, JobStatus.CANCELLED, "binding deleted")
            return
        try:
            for budget in self._budgets:
                await budget.hit(f"ai:{job.user_id}")
        except RateLimited as exc:
            await self._close(job, JobStatus.LIMITED, exc.message)
            await self._tell_owner(job, "ai_rate_limited", exc.message, retry_after=exc.retry_after)
            return
        try:
            prompt, in_reply_to = await self._prompt(job)
        except (Forbidden, NotFound):
            await self._close(job, JobStatus.CANCELLED, "the owner is no longer a member")
            return
        try:
            async with asyncio.timeout(self._timeout):
                answer = await self._guard.check(prompt) if self._guard else None
                if answer is None:
                    answer = await self._provider.answer(prompt)
        except (ProviderError, TimeoutError) as exc:
            reason = str(exc) or "the model timed out"
            log.error("assistant_job_failed", provider=self._provider.name, error=reason)
            await self._close(job, JobStatus.FAILED, reason)
            await self._tell_owner(job, "ai_unavailable", "the assistant could not answer")
            return
        if answer is None or not model.worth_pushing(job, answer, prompt.memory):
            await self._close(job, JobStatus.DECLINED, None)
            return
        # The binding may have been deleted while the model was thinking.
        if await self._store.get_binding(job.binding_id) is None:
            await self._close(job, JobStatus.CANCELLED, "binding deleted")
            return
        if job.kind == "advice":
            await self._give_advice(job, answer, in_reply_to)
        else:
            await self._autoreply(job, answer, in_reply_to)

    async def _autoreply(self, job: Job, answer: Answer, in_reply_to: UUID | None) -> None:
        if not await self._post_reply(job, answer):
            return
        if answer.notice:
            # The owner is told in their thread what was sent for them (and what is still
            # theirs to answer), or why nothing was.
            await self._give_advice(job, answer, in_reply_to, text=answer.notice)
        else:
            await self._close(job, JobStatus.DONE, None)

    async def _prompt(self, job: Job) -> tuple[Prompt, UUID | None]:
        """The chat as the owner sees it, up to the triggering message; NotFound/Forbidden
        when the owner can no longer see it."""
        page = await self._messages.history(
            user_id=job.user_id,
            chat_id=job.chat_id,
            limit=model.CONTEXT_LINES,
            after_seq=model.context_window(job.trigger_seq),
        )
        lines = [m for m in page.messages if job.trigger_seq is None or m.seq <= job.trigger_seq]
        names = await self._names({m.sender_id for m in lines} | {job.user_id})
        turns = tuple(
            Turn(
                author=names.get(m.sender_id, "someone"),
                from_owner=m.sender_id == job.user_id,
                text=m.text,
                ai_generated=m.ai_generated,
            )
            for m in lines
        )
        memory: tuple[str, ...] = ()
        if job.kind == "advice":
            memory = tuple(await self._store.thread_memory(job.thread_id, model.MEMORY_ITEMS))
        voice = await self._store.voice_of(job.user_id) or Voice()
        prompt = Prompt(job.kind, names.get(job.user_id, "you"), turns, memory, voice)
        return prompt, job.trigger_message_id or _latest_from_others(lines, job.user_id)

    async def _names(self, user_ids: set[UUID]) -> dict[UUID, str]:
        found = await self._users.get_many(user_ids=user_ids)
        return {uid: view.display_name or view.username for uid, view in found.items()}

    async def _give_advice(
        self, job: Job, answer: Answer, in_reply_to: UUID | None, text: str | None = None
    ) -> None:
        advice = Advice(
            id=new_id(),
            job_id=job.id,
            thread_id=job.thread_id,
            chat_id=job.chat_id,
            user_id=job.user_id,
            text=text or answer.text,
            suggested_reply=answer.suggested_reply,
            in_reply_to=in_reply_to,
            created_at=self._clock.now(),
            kind=model.advice_kind(answer, job),
        )
        if not await self._store.add_advice(advice, advice.created_at):
            return  # another delivery of this job got there first
        self._count(job, JobStatus.DONE)
        frame = AiAdvice(
            chat_id=advice.chat_id,
            advice_id=advice.id,
            text=advice.text,
            suggested_reply=advice.suggested_reply,
            in_reply_to=in_reply_to,
            created_at=advice.created_at,
            kind=advice.kind,
        )
        await self._live.to_user(job.user_id, frame.dump())

    async def _post_reply(self, job: Job, answer: Answer) -> bool:
        """Post the reply, if there is one; False when the job ended here (refused)."""
        if not answer.text:
            return True
        try:
            await self._messages.post(
                sender_id=job.user_id,
                chat_id=job.chat_id,
                text=answer.text,
                request_id=job.request_id,
                ai_generated=True,
            )
        except (Forbidden, NotFound):
            await self._close(job, JobStatus.CANCELLED, "the owner is no longer a member")
            return False
        except DomainError as exc:  # e.g. a model's answer the chat refuses
            log.error("assistant_reply_refused", error=exc.message)
            await self._close(job, JobStatus.FAILED, exc.message)
            return False
        return True

    async def _close(self, job: Job, status: JobStatus, error: str | None) -> None:
        if await self._store.finish(job.finished(status, error), self._clock.now()):
            self._count(job, status)

    def _count(self, job: Job, status: JobStatus) -> None:
        ASSISTANT_JOBS.labels(kind=job.kind, outcome=status.value).inc()
        if status is JobStatus.DONE:
            waited: timedelta = self._clock.now() - job.created_at
            ASSISTANT_JOB_SECONDS.labels(kind=job.kind).observe(waited.total_seconds())
        log.info("assistant_job_finished", kind=job.kind, outcome=status.value)

    async def _tell_owner(
        self, job: Job, code: str, message: str, *, retry_after: int | None = None
    ) -> None:
        frame = Error(code=code, message=message, chat_id=job.chat_id, retry_after=retry_after)
        await self._live.to_user(job.user_id, frame.dump())


def _latest_from_others(lines: list[MessageView], owner: UUID) -> UUID | None:
    """What on-demand advice is about: the newest line from someone else, else the newest."""
    for message in reversed(lines):
        if message.sender_id != owner:
            return message.id
    return lines[-1].id if lines else None

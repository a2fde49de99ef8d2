"""In-memory assistant ports for unit tests: the store (the integration suite runs the same
store tests over it and SqlAssistantStore, so the two cannot drift) and a scripted model."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from hubbub.contexts.assistant.events import JobQueued, request_of
from hubbub.contexts.assistant.model import Advice, Binding, Job, JobStatus
from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError
from hubbub.contexts.assistant.voice import Voice


class InMemoryAssistantStore:
    """AssistantStore on dicts; `outbox` collects the events the SQL store would write."""

    def __init__(self) -> None:
        self.bindings: dict[UUID, Binding] = {}
        self.jobs: dict[UUID, Job] = {}
        self.advice: dict[UUID, Advice] = {}
        self.voices: dict[UUID, Voice] = {}
        self.outbox: list[JobQueued] = []

    async def add_binding(self, binding: Binding) -> bool:
        key = (binding.chat_id, binding.user_id, binding.kind)
        if any((b.chat_id, b.user_id, b.kind) == key for b in self.bindings.values()):
            return False
        self.bindings[binding.id] = binding
        return True

    async def get_binding(self, binding_id: UUID) -> Binding | None:
        return self.bindings.get(binding_id)

    async def bindings_in(self, chat_id: UUID, user_id: UUID | None = None) -> list[Binding]:
        found = [
            b
            for b in self.bindings.values()
            if b.chat_id == chat_id and (user_id is None or b.user_id == user_id)
        ]
        return sorted(found, key=lambda b: b.created_at)

    async def delete_binding(self, binding_id: UUID, at: datetime) -> bool:
        if self.bindings.pop(binding_id, None) is None:
            return False
        for job in list(self.jobs.values()):
            if job.binding_id == binding_id and job.status is JobStatus.QUEUED:
                self.jobs[job.id] = job.finished(JobStatus.CANCELLED, "binding deleted")
        return True

    async def erase_user(self, user_id: UUID) -> set[UUID]:
        mine = [b for b in self.bindings.values() if b.user_id == user_id]
        for binding in mine:
            del self.bindings[binding.id]
        self.jobs = {k: j for k, j in self.jobs.items() if j.user_id != user_id}
        self.advice = {k: a for k, a in self.advice.items() if a.user_id != user_id}
        self.voices.pop(user_id, None)
        return {b.chat_id for b in mine}

    async def enqueue(self, jobs: list[Job]) -> list[Job]:
        queued = {(j.binding_id, j.trigger_message_id) for j in self.jobs.values()}
        fresh = [
            j
            for j in jobs
            if j.trigger_message_id is None or (j.binding_id, j.trigger_message_id) not in queued
        ]
        for job in fresh:
            self.jobs[job.id] = job
            self.outbox.append(request_of(job))
        return fresh

    async def get_job(self, job_id: UUID) -> Job | None:
        return self.jobs.get(job_id)

    async def queued_jobs(self, limit: int) -> list[Job]:
        queued = [j for j in self.jobs.values() if j.status is JobStatus.QUEUED]
        return sorted(queued, key=lambda j: j.id)[:limit]

    async def finish(self, job: Job, at: datetime) -> bool:
        current = self.jobs.get(job.id)
        if current is None or current.status is not JobStatus.QUEUED:
            return False
        self.jobs[job.id] = replace(current, status=job.status, error=job.error)
        return True

    async def add_advice(self, advice: Advice, at: datetime) -> bool:
        job = self.jobs.get(advice.job_id)
        if job is None or not await self.finish(job.finished(JobStatus.DONE), at):
            return False
        self.advice[advice.id] = advice
        return True

    async def advice_of(
        self, chat_id: UUID, user_id: UUID, *, limit: int, before_id: UUID | None
    ) -> list[Advice]:
        mine = [
            a
            for a in self.advice.values()
            if a.chat_id == chat_id
            and a.user_id == user_id
            and (before_id is None or a.id < before_id)
        ]
        return sorted(mine, key=lambda a: a.id, reverse=True)[:limit]

    async def thread_memory(self, thread_id: UUID, limit: int) -> list[str]:
        mine = sorted(
            (a for a in self.advice.values() if a.thread_id == thread_id), key=lambda a: a.id
        )
        return [a.text for a in mine[-limit:]]

    async def voice_of(self, user_id: UUID) -> Voice | None:
        return self.voices.get(user_id)

    async def save_voice(self, user_id: UUID, voice: Voice, at: datetime) -> None:
        self.voices[user_id] = voice


Script = Callable[[Prompt], Answer | None]


def _answer_the_latest_line(prompt: Prompt) -> Answer:
    """A different answer per message (the same advice twice in a row is not pushed)."""
    latest = prompt.turns[-1].text if prompt.turns else "nothing"
    return Answer(text=f"{prompt.kind} answer to {latest}")


class ScriptedProvider:
    """A model for unit tests of the code around it: answers with `script(prompt)`, records
    every prompt, and raises ProviderError while `failing` is set."""

    name = "scripted"

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or _answer_the_latest_line
        self.prompts: list[Prompt] = []
        self.failing: str | None = None
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def answer(self, prompt: Prompt) -> Answer | None:
        self.prompts.append(prompt)
        if self.failing is not None:
            raise ProviderError(self.failing)
        return self.script(prompt)

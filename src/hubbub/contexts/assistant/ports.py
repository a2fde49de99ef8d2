"""What the assistant context needs: a model (`Provider`) and its store.

The model port: what the assistant asks and what it gets back.

Every provider (the offline Smart Reply scorer, any OpenAI-compatible endpoint) sees the same
`Prompt`: the binding's kind, the owner, and the recent lines of the chat that the owner can
see, oldest first. It answers with an `Answer`, or None to decline (nothing clear enough to
say). Failures raise `ProviderError` once the adapter's own retries are spent, so the caller
records the job as failed instead of waiting forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol
from uuid import UUID

from hubbub.contexts.assistant.voice import Voice

if TYPE_CHECKING:
    from hubbub.contexts.assistant.model import Advice, Binding, Job

Kind = Literal["advice", "autoreply"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One chat line as the assistant sees it."""

    author: str  # the author's display name
    from_owner: bool  # written by the binding's owner (or on their behalf)
    text: str
    ai_generated: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a provider is asked: advice for the owner, or a reply in the owner's name."""

    kind: Kind
    owner_name: str
    turns: tuple[Turn, ...]  # oldest first; only lines the owner can see
    memory: tuple[str, ...] = ()  # the thread's earlier advice, oldest first (advice only)
    voice: Voice = field(default_factory=Voice)  # how the owner's replies sound


@dataclass(frozen=True, slots=True)
class Answer:
    """What the assistant says: advice text (with why), or a reply to post.

    For an autoreply job, `text` is the reply to post ("" to post nothing) and `notice`
    what the owner is told in their thread: what was sent and what is still theirs to
    answer (a holding reply), or why nothing was sent (a sensitive moment, a scam)."""

    text: str
    reason: str | None = None  # why, in a clause (advice)
    suggested_reply: str | None = None  # a reply the owner could send (advice)
    intent: str | None = None  # the offline scorer's intent id, for metrics and tests
    notice: str | None = None  # autoreply jobs: the owner's notice
    alarm: str | None = None  # "scam" / "crisis" / "urgent": the owner is warned


class ProviderError(Exception):
    """The model could not answer (unreachable, timed out, bad answer, circuit open)."""


class Provider(Protocol):
    """A model the assistant consults. Adapters: `local` (offline), `openai` (any endpoint)."""

    name: str

    async def start(self) -> None:
        """Load or connect (may return before a slow load finishes; calls then wait)."""
        ...

    async def stop(self) -> None: ...

    async def answer(self, prompt: Prompt) -> Answer | None:
        """Advice or a reply for `prompt`, or None to decline; ProviderError on failure."""
        ...


class AssistantStore(Protocol):
    """Bindings, jobs and advice. Queuing a job writes its request event to the outbox in
    the same transaction."""

    async def add_binding(self, binding: Binding) -> bool:
        """False when the member already has a binding of this kind in the chat."""
        ...

    async def get_binding(self, binding_id: UUID) -> Binding | None: ...

    async def bindings_in(self, chat_id: UUID, user_id: UUID | None = None) -> list[Binding]:
        """The chat's bindings (of one member when `user_id` is given), oldest first."""
        ...

    async def delete_binding(self, binding_id: UUID, at: datetime) -> bool:
        """Delete; its queued jobs become cancelled. False when there was none."""
        ...

    async def enqueue(self, jobs: list[Job]) -> list[Job]:
        """Insert the jobs not queued before (same binding and trigger) with their events;
        returns those inserted."""
        ...

    async def get_job(self, job_id: UUID) -> Job | None: ...

    async def queued_jobs(self, limit: int) -> list[Job]:
        """Jobs still queued, oldest first."""
        ...

    async def finish(self, job: Job, at: datetime) -> bool:
        """Record a queued job's outcome (its status and error); False when it was no longer
        queued (done by an earlier delivery, or cancelled)."""
        ...

    async def add_advice(self, advice: Advice, at: datetime) -> bool:
        """Store the advice and mark its job done, in one transaction; False (nothing
        stored) when the job was no longer queued."""
        ...

    async def advice_of(
        self, chat_id: UUID, user_id: UUID, *, limit: int, before_id: UUID | None
    ) -> list[Advice]:
        """The member's newest advice in the chat (older than `before_id`), newest first."""
        ...

    async def thread_memory(self, thread_id: UUID, limit: int) -> list[str]:
        """The texts of the thread's latest advice, oldest first."""
        ...

    async def voice_of(self, user_id: UUID) -> Voice | None:
        """The member's assistant settings (None: never set, the defaults apply)."""
        ...

    async def save_voice(self, user_id: UUID, voice: Voice, at: datetime) -> None:
        """Store the member's assistant settings."""
        ...

    async def erase_user(self, user_id: UUID) -> set[UUID]:
        """Delete everything of a user (bindings with their threads, jobs, advice, settings) in one
        transaction; the chats that had bindings of theirs. Idempotent."""
        ...

"""Assistant rules: bindings, jobs and the safety rules of when the assistant may act. Pure."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from hubbub.contexts.assistant.ports import Answer, Kind
from hubbub.kernel.errors import Invalid
from hubbub.kernel.ids import new_id

KINDS: tuple[Kind, ...] = ("advice", "autoreply")
AdviceKind = Literal["advice", "notice", "warning"]
WARNINGS = frozenset({"scam", "crisis"})
CONTEXT_LINES = 20  # chat lines a model sees, the triggering one last
MEMORY_ITEMS = 5  # earlier advice of the thread a model is reminded of
NEUTRAL_INTENTS = frozenset({"neutral", "agreement", "laughter", "small_talk"})
"""Advice given only on demand, never pushed unasked: "nothing clear to say", and the lines
that need no answer (the banks' `silent` intents: "ok", "haha", small talk)."""


class JobStatus(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    DECLINED = "declined"  # the model had nothing clear to say
    FAILED = "failed"  # the model failed after its retries
    CANCELLED = "cancelled"  # the binding went away, or its owner left the chat
    LIMITED = "limited"  # the owner's assistant budget was spent


@dataclass(frozen=True, slots=True)
class Binding:
    """A member's assistant on their side of one chat; `thread_id` names its memory."""

    id: UUID
    chat_id: UUID
    user_id: UUID
    kind: Kind
    thread_id: UUID
    created_at: datetime

    def job(self, trigger: "Trigger | None", at: datetime) -> "Job":
        """A new queued job of this binding, answering `trigger` (None: advice on demand)."""
        return Job(
            id=new_id(),
            binding_id=self.id,
            thread_id=self.thread_id,
            chat_id=self.chat_id,
            user_id=self.user_id,
            kind=self.kind,
            trigger_message_id=trigger.message_id if trigger else None,
            trigger_seq=trigger.seq if trigger else None,
            status=JobStatus.QUEUED,
            created_at=at,
        )


@dataclass(frozen=True, slots=True)
class Trigger:
    """The stored message a job answers (None for on-demand advice: the latest line)."""

    message_id: UUID
    seq: int
    sender_id: UUID
    ai_generated: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    """One call of the assistant for one binding."""

    id: UUID
    binding_id: UUID
    thread_id: UUID
    chat_id: UUID
    user_id: UUID
    kind: Kind
    trigger_message_id: UUID | None
    trigger_seq: int | None
    status: JobStatus
    created_at: datetime
    error: str | None = None

    @property
    def on_demand(self) -> bool:
        return self.trigger_message_id is None

    @property
    def request_id(self) -> str:
        """The idempotency key of the autoreply this job posts: a redelivered job posts once."""
        return f"ai:{self.id}"

    def finished(self, status: JobStatus, error: str | None = None) -> "Job":
        return replace(self, status=status, error=error)


@dataclass(frozen=True, slots=True)
class Advice:
    """A private suggestion for one member, kept with the chat and the thread."""

    id: UUID
    job_id: UUID
    thread_id: UUID
    chat_id: UUID
    user_id: UUID
    text: str
    suggested_reply: str | None
    in_reply_to: UUID | None
    created_at: datetime
    # advice; notice (what an autoreply did, or why it did nothing); warning (scam, crisis)
    kind: AdviceKind = "advice"


def check_kind(value: object) -> Kind:
    """The binding type, or Invalid naming the field."""
    if value not in KINDS:
        raise Invalid(f"type: must be one of {', '.join(KINDS)}", code="validation_error")
    return value


def reacts_to(binding: Binding, trigger: Trigger) -> bool:
    """Whether `binding` answers the stored message `trigger`.

    - never an AI-generated message (two autoreply bindings would otherwise talk forever);
    - only messages from other members (advice on one's own words is not asked for, and an
      autoreply to oneself is nonsense);
    - only messages written after the binding was made (a late relay or a replay must not
      make a new binding answer old history).
    """
    return (
        not trigger.ai_generated
        and trigger.sender_id != binding.user_id
        and trigger.created_at >= binding.created_at
    )


def worth_pushing(job: Job, answer: Answer | None, memory: tuple[str, ...] = ()) -> bool:
    """Whether the answer is worth acting on. Unasked-for advice is pushed only when it says
    something specific and not what the thread's latest advice already said; an autoreply
    job acts when it has a reply to post or a notice for the owner."""
    if answer is None:
        return False
    if job.kind == "autoreply":
        return bool(answer.text.strip() or (answer.notice or "").strip())
    if not answer.text.strip():
        return False
    if job.on_demand:
        return True
    return answer.intent not in NEUTRAL_INTENTS and answer.text not in memory[-1:]


def advice_kind(answer: Answer, job: Job) -> AdviceKind:
    """How the owner's thread shows it: a warning (scam, crisis), an autoreply's notice, or
    advice."""
    if answer.alarm in WARNINGS:
        return "warning"
    return "notice" if job.kind == "autoreply" else "advice"


def context_window(trigger_seq: int | None) -> int | None:
    """The `after_seq` that makes a page of CONTEXT_LINES end at the trigger (None: the
    newest lines, for on-demand advice)."""
    if trigger_seq is None:
        return None
    return max(0, trigger_seq - CONTEXT_LINES)

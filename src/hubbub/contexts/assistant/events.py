"""Events of the assistant context: one job queued per binding and trigger.

They are written to the outbox with the job row, so a job exists exactly when its request
does, and are keyed by binding: one binding's jobs run in order (its replies keep the order of
the messages they answer) while different bindings run side by side.
"""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from hubbub.contexts.assistant.model import Job
from hubbub.kernel.events import Event


@dataclass(frozen=True, slots=True)
class JobQueued(Event):
    """Base of the two job requests; the job row holds the rest."""

    job_id: UUID
    binding_id: UUID
    chat_id: UUID
    user_id: UUID

    @property
    def key(self) -> str:
        return str(self.binding_id)


@dataclass(frozen=True, slots=True)
class AdviceRequested(JobQueued):
    """Advice was asked for (by a message from another member, or on demand)."""

    topic: ClassVar[str] = "ai.advice.request"


@dataclass(frozen=True, slots=True)
class AutoreplyRequested(JobQueued):
    """A message from another member awaits an autoreply in the owner's name."""

    topic: ClassVar[str] = "ai.autoreply.request"


def request_of(job: Job) -> JobQueued:
    """The event that asks for `job` to be run."""
    kind = AdviceRequested if job.kind == "advice" else AutoreplyRequested
    return kind(job_id=job.id, binding_id=job.binding_id, chat_id=job.chat_id, user_id=job.user_id)

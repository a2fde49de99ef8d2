"""SQLAlchemy tables (prefixed `assistant_`) and SqlAssistantStore."""

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.assistant.events import request_of
from hubbub.contexts.assistant.model import Advice, Binding, Job, JobStatus
from hubbub.contexts.assistant.voice import Voice
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.outbox import add_to_outbox_async
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type

bindings = Table(
    "assistant_bindings",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("thread_id", uuid_column_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # One binding per (chat, user, type); it also serves the chat's lookup on every message.
    UniqueConstraint("chat_id", "user_id", "kind", name="uq_assistant_bindings_chat_user_kind"),
)

jobs = Table(
    "assistant_jobs",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("binding_id", uuid_column_type(), nullable=False),
    Column("thread_id", uuid_column_type(), nullable=False),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("trigger_message_id", uuid_column_type(), nullable=True),
    Column("trigger_seq", Integer, nullable=True),
    Column("status", String(20), nullable=False),
    Column("error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    # A message redelivered by the bus queues nothing new for a binding that has its job.
    UniqueConstraint("binding_id", "trigger_message_id", name="uq_assistant_jobs_binding_trigger"),
    Index("ix_assistant_jobs_binding_id_status", "binding_id", "status"),
    Index("ix_assistant_jobs_status", "status"),
)

advice = Table(
    "assistant_advice",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("job_id", uuid_column_type(), nullable=False, unique=True),
    Column("thread_id", uuid_column_type(), nullable=False),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("text", Text, nullable=False),
    Column("suggested_reply", Text, nullable=True),
    Column("in_reply_to", uuid_column_type(), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(20), nullable=False, server_default="advice"),
    Index("ix_assistant_advice_chat_id_user_id_id", "chat_id", "user_id", "id"),
    Index("ix_assistant_advice_thread_id_id", "thread_id", "id"),
)

# A member's assistant settings (how replies in their name sound); no row = the defaults.
settings = Table(
    "assistant_settings",
    metadata,
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("gender", String(20), nullable=False),
    Column("address", String(20), nullable=False),
    Column("learn_style", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


class SqlAssistantStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_binding(self, binding: Binding) -> bool:
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(bindings), asdict(binding))
        except IntegrityError:
            return False
        return True

    async def get_binding(self, binding_id: UUID) -> Binding | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(bindings).where(bindings.c.id == binding_id))).first()
        return _binding(row._mapping) if row else None

    async def bindings_in(self, chat_id: UUID, user_id: UUID | None = None) -> list[Binding]:
        query = select(bindings).where(bindings.c.chat_id == chat_id)
        if user_id is not None:
            query = query.where(bindings.c.user_id == user_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(bindings.c.created_at))).all()
        return [_binding(r._mapping) for r in rows]

    async def delete_binding(self, binding_id: UUID, at: datetime) -> bool:
        async with self._db.write() as conn:
            gone = await conn.execute(delete(bindings).where(bindings.c.id == binding_id))
            await conn.execute(
                update(jobs)
                .where(jobs.c.binding_id == binding_id, jobs.c.status == JobStatus.QUEUED)
                .values(status=JobStatus.CANCELLED, error="binding deleted", finished_at=at)
            )
        return gone.rowcount > 0

    async def erase_user(self, user_id: UUID) -> set[UUID]:
        async with self._db.write(notify=False) as conn:
            gone = await conn.execute(
                delete(bindings).where(bindings.c.user_id == user_id).returning(bindings.c.chat_id)
            )
            chats = set(gone.scalars().all())
            await conn.execute(delete(jobs).where(jobs.c.user_id == user_id))
            await conn.execute(delete(advice).where(advice.c.user_id == user_id))
            await conn.execute(delete(settings).where(settings.c.user_id == user_id))
        return chats

    async def enqueue(self, new_jobs: list[Job]) -> list[Job]:
        if not new_jobs:
            return []
        async with self._db.write() as conn:
            fresh = await self._not_queued_before(conn, new_jobs)
            if fresh:
                await conn.execute(insert(jobs), [asdict(j) for j in fresh])
                await add_to_outbox_async(conn, [request_of(j) for j in fresh])
        return fresh

    async def get_job(self, job_id: UUID) -> Job | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(jobs).where(jobs.c.id == job_id))).first()
        return _job(row._mapping) if row else None

    async def queued_jobs(self, limit: int) -> list[Job]:
        query = (
            select(jobs).where(jobs.c.status == JobStatus.QUEUED).order_by(jobs.c.id).limit(limit)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [_job(r._mapping) for r in rows]

    async def finish(self, job: Job, at: datetime) -> bool:
        async with self._db.write(notify=False) as conn:
            return await _finish(conn, job, at)

    async def add_advice(self, item: Advice, at: datetime) -> bool:
        async with self._db.write(notify=False) as conn:
            job = await self._queued_job(conn, item.job_id)
            if job is None or not await _finish(conn, job.finished(JobStatus.DONE), at):
                return False
            await conn.execute(insert(advice), asdict(item))
        return True

    async def advice_of(
        self, chat_id: UUID, user_id: UUID, *, limit: int, before_id: UUID | None
    ) -> list[Advice]:
        query = select(advice).where(advice.c.chat_id == chat_id, advice.c.user_id == user_id)
        if before_id is not None:
            query = query.where(advice.c.id < before_id)
        query = query.order_by(advice.c.id.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [_advice(r._mapping) for r in rows]

    async def thread_memory(self, thread_id: UUID, limit: int) -> list[str]:
        query = (
            select(advice.c.text)
            .where(advice.c.thread_id == thread_id)
            .order_by(advice.c.id.desc())
            .limit(limit)
        )
        async with self._db.read() as conn:
            texts = (await conn.execute(query)).scalars().all()
        return list(reversed(texts))

    async def voice_of(self, user_id: UUID) -> Voice | None:
        query = select(settings).where(settings.c.user_id == user_id)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return Voice(gender=row.gender, address=row.address, learn_style=row.learn_style)

    async def save_voice(self, user_id: UUID, voice: Voice, at: datetime) -> None:
        values = {
            "gender": voice.gender,
            "address": voice.address,
            "learn_style": voice.learn_style,
            "updated_at": at,
        }
        async with self._db.write(notify=False) as conn:
            changed = await conn.execute(
                update(settings).where(settings.c.user_id == user_id).values(**values)
            )
            if changed.rowcount == 0:
                await conn.execute(insert(settings).values(user_id=user_id, **values))

    async def _not_queued_before(self, conn: AsyncConnection, candidates: list[Job]) -> list[Job]:
        triggered = [(j.binding_id, j.trigger_message_id) for j in candidates]
        keys = [k for k in triggered if k[1] is not None]
        seen: set[tuple[Any, Any]] = set()
        if keys:
            # Two plain INs over the unique (binding, trigger) index rather than a row-value
            # IN, which SQLite answers with a scan; the few extra pairs are filtered here.
            query = select(jobs.c.binding_id, jobs.c.trigger_message_id).where(
                jobs.c.binding_id.in_({b for b, _ in keys}),
                jobs.c.trigger_message_id.in_({m for _, m in keys}),
            )
            seen = {(r[0], r[1]) for r in (await conn.execute(query)).all()}
        return [j for j, key in zip(candidates, triggered, strict=True) if key not in seen]

    async def _queued_job(self, conn: AsyncConnection, job_id: UUID) -> Job | None:
        query = select(jobs).where(jobs.c.id == job_id, jobs.c.status == JobStatus.QUEUED)
        row = (await conn.execute(query)).first()
        return _job(row._mapping) if row else None


async def _finish(conn: AsyncConnection, job: Job, at: datetime) -> bool:
    done = await conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.status == JobStatus.QUEUED)
        .values(status=job.status, error=job.error, finished_at=at)
    )
    return done.rowcount > 0


def _binding(row: Any) -> Binding:
    return Binding(**dict(row))


def _job(row: Any) -> Job:
    values = {k: v for k, v in dict(row).items() if k != "finished_at"}
    values["status"] = JobStatus(values["status"])
    return Job(**values)


def _advice(row: Any) -> Advice:
    return Advice(**dict(row))

"""Assembly of the diary context."""

from hubbub.contexts.diary.model import event_types
from hubbub.contexts.diary.projections import Projector
from hubbub.contexts.diary.service import LocalDiaryApi
from hubbub.contexts.diary.store import SqlDiaryStore
from hubbub.infra.db import Database
from hubbub.infra.eventstore import SqlEventStore
from hubbub.kernel.clock import Clock


def diary_projector(db: Database) -> Projector:
    """The diary's projections over its event store (also for `hubbub projections`)."""
    return Projector(db, SqlEventStore(event_types()))


def local_diary(*, db: Database, clock: Clock) -> LocalDiaryApi:
    """The diary context running in this process on `db`."""
    events = SqlEventStore(event_types())
    store = SqlDiaryStore(db, events, Projector(db, events))
    return LocalDiaryApi(store=store, clock=clock)

"""Assembly of the messages context."""

from hubbub.contexts.messages.ports import Membership
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.contexts.messages.store_changes import SqlChangeStore
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import LiveEvents


def local_messages(
    *,
    db: Database,
    membership: Membership,
    live: LiveEvents,
    clock: Clock,
    edit_window_seconds: float = 48 * 3600,
) -> LocalMessagesApi:
    """The messages context running in this process on `db`."""
    return LocalMessagesApi(
        store=SqlMessageStore(db),
        changes=SqlChangeStore(db, on_deleted=db.forget_deleted),
        membership=membership,
        live=live,
        clock=clock,
        edit_window_seconds=edit_window_seconds,
    )

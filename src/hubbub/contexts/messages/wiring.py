"""Assembly of the messages context."""

from hubbub.contexts.messages.ports import Membership
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import LiveEvents


def local_messages(
    *, db: Database, membership: Membership, live: LiveEvents, clock: Clock
) -> LocalMessagesApi:
    """The messages context running in this process on `db`."""
    return LocalMessagesApi(
        store=SqlMessageStore(db), membership=membership, live=live, clock=clock
    )

"""Assembly of the chats context."""

from collections.abc import Sequence

from hubbub.contexts.chats.ports import ActivityLookup, Committed
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.chats.store import SqlChatStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache, LiveEvents


def local_chats(
    *,
    db: Database,
    users: UsersApi,
    live: LiveEvents,
    clock: Clock,
    cache: Cache,
    activity: ActivityLookup | None = None,
    committed: Sequence[Committed] = (),
) -> LocalChatsApi:
    """The chats context running in this process on `db`: `activity` answers chat lists'
    unread counts (messages), `committed` hears membership changes right after commit."""
    return LocalChatsApi(
        store=SqlChatStore(db),
        users=users,
        live=live,
        clock=clock,
        cache=cache,
        activity=activity,
        committed=committed,
    )

"""Assembly of the chats context."""

from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.chats.store import SqlChatStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache, LiveEvents


def local_chats(
    *, db: Database, users: UsersApi, live: LiveEvents, clock: Clock, cache: Cache
) -> LocalChatsApi:
    """The chats context running in this process on `db` (call `bind_activity` next)."""
    return LocalChatsApi(store=SqlChatStore(db), users=users, live=live, clock=clock, cache=cache)

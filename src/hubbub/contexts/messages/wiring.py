"""Assembly of the messages context."""

from uuid import UUID

from hubbub.contexts.messages.consumers import SearchIndexer
from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.files import ChatFiles
from hubbub.contexts.messages.files_store import SqlFileStore
from hubbub.contexts.messages.membership import MembershipProjection
from hubbub.contexts.messages.membership_store import SqlMembershipStore
from hubbub.contexts.messages.ports import Membership
from hubbub.contexts.messages.search import MessageSearch
from hubbub.contexts.messages.search_store import SqlSearchStore
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.contexts.messages.store_changes import SqlChangeStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import BlobStore, Cache, LiveEvents


class UsersDirectory:
    """UserDirectory over the users context's public API."""

    def __init__(self, users: UsersApi) -> None:
        self._users = users

    async def ids_of(self, usernames: set[str]) -> dict[str, UUID]:
        found = {}
        for name in usernames:
            record = await self._users.find_login(username=name, email=None)
            if record is not None:
                found[name] = record.id
        return found


def local_messages(
    *,
    db: Database,
    users: UsersApi,
    membership: Membership,
    live: LiveEvents,
    clock: Clock,
    blobs: BlobStore,
    file_link_secret: str | None,
    file_link_seconds: float = 900,
    file_max_bytes: int = 10 * 1024 * 1024,
    edit_window_seconds: float = 48 * 3600,
) -> LocalMessagesApi:
    """The messages context running in this process on `db`."""
    links = files = None
    if file_link_secret is not None:  # a process serving clients: files with signed links
        links = FileLinks(secret=file_link_secret, ttl_seconds=file_link_seconds, clock=clock)
        files = ChatFiles(
            store=SqlFileStore(db),
            blobs=blobs,
            links=links,
            membership=membership,
            clock=clock,
            max_bytes=file_max_bytes,
        )
    store = SqlMessageStore(db, links=links)
    search = MessageSearch(index=SqlSearchStore(db), messages=store, membership=membership)
    return LocalMessagesApi(
        store=store,
        search=search,
        files=files,
        changes=SqlChangeStore(db, on_deleted=db.forget_deleted, links=links),
        membership=membership,
        live=live,
        clock=clock,
        users=UsersDirectory(users),
        edit_window_seconds=edit_window_seconds,
    )


def local_membership(*, db: Database, cache: Cache) -> MembershipProjection:
    """Messages' own copy of the chats' membership, kept from chats' events: pass it to
    `local_messages` (its `Membership`), to chats as a `committed` listener (`deliver`),
    and subscribe it to the bus in the processes that run the contexts' consumers."""
    return MembershipProjection(SqlMembershipStore(db), cache)


def search_indexer(*, db: Database) -> SearchIndexer:
    """The bus consumer that indexes new messages for search."""
    return SearchIndexer(SqlSearchStore(db))

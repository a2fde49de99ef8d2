"""@username mentions in rooms: found when a message is sent, stored beside it (same
transaction), and counted per member apart from unread (`mention_count`).

Only messages with an "@" pay anything: a regex over the text, one lookup of the named
users and the room's members; the plain send path is untouched.
"""

import re
from typing import Protocol
from uuid import UUID

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{3,50})")
MAX_MENTIONS = 20


def mentioned_usernames(text: str) -> set[str]:
    """The usernames `text` mentions, lowercased (at most 20)."""
    if "@" not in text:
        return set()
    found: set[str] = set()
    for match in MENTION.finditer(text):
        found.add(match.group(1).rstrip(".-").lower())
        if len(found) == MAX_MENTIONS:
            break
    return found


class UserDirectory(Protocol):
    """Who a username is (owned by the users context)."""

    async def ids_of(self, usernames: set[str]) -> dict[str, UUID]:
        """The ids of the users with these usernames (unknown ones are left out)."""
        ...


class RoomMembers(Protocol):
    async def room_owner(self, *, chat_id: UUID) -> UUID | None: ...

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]: ...


async def mentioned_members(
    text: str, *, chat_id: UUID, sender_id: UUID, users: UserDirectory, chats: RoomMembers
) -> tuple[UUID, ...]:
    """The members of a room that `text` mentions (not the sender; nobody in a direct chat)."""
    names = mentioned_usernames(text)
    if not names or await chats.room_owner(chat_id=chat_id) is None:
        return ()
    ids = set((await users.ids_of(names)).values())
    members = await chats.member_ids(chat_id=chat_id)
    return tuple(sorted((ids & members) - {sender_id}))

"""A chats context wired as bootstrap() wires it, on in-memory stores, with four people."""

from dataclasses import dataclass
from uuid import UUID

from hubbub.contexts.chats.fakes import InMemoryChatStore
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.messages.fakes import (
    InMemoryMembershipStore,
    InMemoryMessageStore,
    StaticDirectory,
)
from hubbub.contexts.messages.membership import MembershipProjection
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.users import NewUser
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.cache.memory import InMemoryCache
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents


@dataclass
class World:
    chats: LocalChatsApi
    messages: LocalMessagesApi
    live: RecordingLiveEvents
    clock: FixedClock
    presence: FixedPresence
    store: InMemoryChatStore
    alice: UUID
    bob: UUID
    carol: UUID
    dave: UUID
    users: LocalUsersApi

    async def say(self, sender: UUID, chat_id: UUID, text: str = "hi") -> int:
        """Post a message a second after the previous event; returns its seq."""
        self.clock.advance()
        result = await self.messages.post(
            sender_id=sender, chat_id=chat_id, text=text, request_id=None
        )
        return result.message.seq


async def build_world(
    store: InMemoryChatStore, live: RecordingLiveEvents, clock: FixedClock
) -> World:
    presence = FixedPresence()
    users = LocalUsersApi(store=InMemoryUserStore(), presence=presence, clock=clock)
    people = [
        (await users.create(new=NewUser(username=n))).id for n in ("alice", "bob", "carol", "dave")
    ]
    membership = MembershipProjection(InMemoryMembershipStore(), InMemoryCache())
    message_store = InMemoryMessageStore()
    messages = LocalMessagesApi(
        users=StaticDirectory(),
        store=message_store,
        changes=message_store,
        membership=membership,
        live=live,
        clock=clock,
    )
    chats = LocalChatsApi(
        store=store,
        users=users,
        live=live,
        clock=clock,
        cache=InMemoryCache(),
        activity=messages,
        committed=[membership.deliver],
    )
    return World(chats, messages, live, clock, presence, store, *people, users)

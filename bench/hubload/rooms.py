"""Rooms for the rate run: group chats of N members, one sender and N-1 receivers each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection

from .client import Account, HubClient, bounded_map, close_all, open_ws
from .recorder import Recorder, read_receiver, read_sender


@dataclass
class Room:
    """One group chat with its connected sender and receivers."""

    chat_id: str
    sender: Account
    sender_ws: ClientConnection
    receivers: list[ClientConnection]


@dataclass
class Rooms:
    """All rooms plus the reader tasks consuming their connections."""

    rooms: list[Room]
    readers: list[asyncio.Task[None]]
    register_s: float

    @property
    def connections(self) -> list[ClientConnection]:
        """Every connection, senders first."""
        return [r.sender_ws for r in self.rooms] + [w for r in self.rooms for w in r.receivers]

    async def close(self) -> None:
        """Close every connection and wait for the readers to finish."""
        await close_all(self.connections)
        await asyncio.gather(*self.readers, return_exceptions=True)


async def _build_room(
    hub: HubClient, index: int, members: list[Account], compression: str | None
) -> Room:
    sender, others = members[0], members[1:]
    chat_id = await hub.create_group(sender, f"bench room {index}", others)
    sender_ws = await open_ws(hub.base_url, sender.token, compression)
    receivers = [await open_ws(hub.base_url, m.token, compression) for m in others]
    return Room(chat_id=chat_id, sender=sender, sender_ws=sender_ws, receivers=receivers)


async def build_rooms(
    hub: HubClient, prefix: str, count: int, size: int, compression: str | None, rec: Recorder
) -> Rooms:
    """Register count*size users, create the groups, connect everyone, start the readers."""
    accounts, register_s = await hub.accounts(prefix, count * size)
    groups = [(i, accounts[i * size : (i + 1) * size]) for i in range(count)]
    print(f"creating {count} rooms and opening {count * size} connections ...", flush=True)

    async def build(group: tuple[int, list[Account]]) -> Room:
        return await _build_room(hub, group[0], group[1], compression)

    rooms = await bounded_map(build, groups, hub.concurrency)
    readers = [asyncio.create_task(read_sender(r.sender_ws, rec)) for r in rooms]
    readers += [asyncio.create_task(read_receiver(w, rec)) for r in rooms for w in r.receivers]
    return Rooms(rooms=rooms, readers=readers, register_s=register_s)

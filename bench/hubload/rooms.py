"""Rooms for the rate run: group chats of N members, one sender and N-1 receivers each.

With several gateway URLs, member j of room r connects to gateway (r + j) mod G: senders are
spread evenly over the gateways, and so are the members of every room. A receiver on its
sender's gateway is *local* (served by that gateway straight after the write); one on another
gateway is *remote* (its copy crosses Redis pub/sub). With two gateways and rooms of 10, each
message has 4 local and 5 remote receivers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection

from .client import Account, HubClient, bounded_map, close_all, open_ws
from .recorder import Recorder, read_receiver, read_sender


@dataclass
class Receiver:
    """One receiving member's connection and whether it sits on another gateway."""

    ws: ClientConnection
    gateway: int
    remote: bool


@dataclass
class Room:
    """One group chat with its connected sender and receivers."""

    chat_id: str
    sender: Account
    sender_ws: ClientConnection
    sender_gateway: int
    receivers: list[Receiver]


@dataclass
class Rooms:
    """All rooms plus the reader tasks consuming their connections."""

    rooms: list[Room]
    readers: list[asyncio.Task[None]]

    @property
    def connections(self) -> list[ClientConnection]:
        """Every connection, senders first."""
        return [r.sender_ws for r in self.rooms] + [x.ws for r in self.rooms for x in r.receivers]

    def connections_per_gateway(self) -> dict[int, int]:
        """How many connections each gateway (by index of its URL) holds."""
        counts: dict[int, int] = {}
        for room in self.rooms:
            for gateway in [room.sender_gateway, *(x.gateway for x in room.receivers)]:
                counts[gateway] = counts.get(gateway, 0) + 1
        return dict(sorted(counts.items()))

    async def close(self) -> None:
        """Close every connection and wait for the readers to finish."""
        await close_all(self.connections)
        await asyncio.gather(*self.readers, return_exceptions=True)


def gateway_of(room: int, member: int, gateways: int) -> int:
    """The gateway (index into the URLs) member `member` of room `room` connects to."""
    return (room + member) % gateways


async def _build_room(
    hub: HubClient,
    ws_urls: list[str],
    index: int,
    members: list[Account],
    compression: str | None,
) -> Room:
    sender, others = members[0], members[1:]
    chat_id = await hub.create_group(sender, f"bench room {index}", others)
    home = gateway_of(index, 0, len(ws_urls))
    sender_ws = await open_ws(ws_urls[home], sender.token, compression)
    receivers = []
    for j, member in enumerate(others, start=1):
        gateway = gateway_of(index, j, len(ws_urls))
        ws = await open_ws(ws_urls[gateway], member.token, compression)
        receivers.append(Receiver(ws=ws, gateway=gateway, remote=gateway != home))
    return Room(
        chat_id=chat_id,
        sender=sender,
        sender_ws=sender_ws,
        sender_gateway=home,
        receivers=receivers,
    )


async def build_rooms(
    hub: HubClient,
    ws_urls: list[str],
    accounts: list[Account],
    size: int,
    compression: str | None,
    rec: Recorder,
) -> Rooms:
    """Create one group per `size` accounts over REST (on `hub`), connect every member to its
    gateway and start one reader per connection."""
    count = len(accounts) // size
    groups = [(i, accounts[i * size : (i + 1) * size]) for i in range(count)]
    print(
        f"creating {count} rooms and opening {count * size} connections"
        f" over {len(ws_urls)} gateway(s) ...",
        flush=True,
    )

    async def build(group: tuple[int, list[Account]]) -> Room:
        return await _build_room(hub, ws_urls, group[0], group[1], compression)

    rooms = await bounded_map(build, groups, hub.concurrency)
    readers = [asyncio.create_task(read_sender(r.sender_ws, rec)) for r in rooms]
    readers += [
        asyncio.create_task(read_receiver(x.ws, rec, remote=x.remote))
        for r in rooms
        for x in r.receivers
    ]
    return Rooms(rooms=rooms, readers=readers)

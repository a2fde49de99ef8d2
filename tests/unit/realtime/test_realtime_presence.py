"""In-process presence: online while at least one connection is open.

The behaviour every adapter shares is in tests/contract/test_presence_contract.py; this is
what only the in-process one promises.
"""

from uuid import UUID

from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.ids import new_id


async def test_stopping_forgets_every_connection() -> None:
    presence = InMemoryPresence()
    alice = new_id()
    await presence.connect(alice)
    await presence.connect(alice)

    await presence.stop()

    assert await presence.online_among({alice}) == set()
    assert await presence.connect(alice) is True  # a fresh start, not a third tab


async def test_there_is_no_gateway_to_lose_so_nobody_is_announced_offline() -> None:
    told: list[UUID] = []

    async def on_offline(user_id: UUID) -> None:
        told.append(user_id)

    presence = InMemoryPresence()
    await presence.start(on_offline)
    await presence.connect(new_id())
    await presence.stop()

    assert told == []

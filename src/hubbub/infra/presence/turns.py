"""One user's presence transitions, run one at a time in the order they happened."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from uuid import UUID


class TurnsPerUser:
    """Makes one user's Redis transitions run one at a time, in the order they happened here.

    A user's last tab closing (1→0) and a new tab opening right after (0→1) send two scripts
    that could otherwise run in Redis in the opposite order, over two pooled connections,
    leaving the user marked offline while connected. asyncio locks are FIFO and are taken
    without suspending when free, so the order of `of()` calls is the order of the scripts.
    Only users with a transition in flight have a lock.
    """

    def __init__(self) -> None:
        self._locks: dict[UUID, tuple[asyncio.Lock, int]] = {}  # user -> (lock, holders)

    @contextlib.asynccontextmanager
    async def of(self, user_id: UUID) -> AsyncIterator[None]:
        lock, holders = self._locks.get(user_id) or (asyncio.Lock(), 0)
        self._locks[user_id] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._locks[user_id]
            if holders == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, holders - 1)

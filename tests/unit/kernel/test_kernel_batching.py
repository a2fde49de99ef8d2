"""GroupCommitter: concurrent submits share flushes; failures and cancellations stay contained."""

import asyncio

import pytest

from hubbub.kernel.batching import GroupCommitter


class GatedFlush:
    """A flush that records its batches and, while `gate` is clear, holds them open."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()
        self.fail_on = fail_on

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.entered.set()
        await self.gate.wait()
        if self.fail_on in items:
            raise ValueError(f"cannot write {self.fail_on}")
        return [item * 10 for item in items]


async def test_concurrent_submissions_share_one_flush_and_get_their_own_results() -> None:
    flush = GatedFlush()
    committer = GroupCommitter(flush)

    results = await asyncio.gather(*(committer.submit(i) for i in range(20)))

    assert results == [i * 10 for i in range(20)]
    assert flush.batches == [list(range(20))]


async def test_submissions_during_a_flush_form_the_next_batch() -> None:
    flush = GatedFlush()
    flush.gate.clear()
    committer = GroupCommitter(flush)
    first = asyncio.create_task(committer.submit(0))
    await flush.entered.wait()

    later = [asyncio.create_task(committer.submit(i)) for i in range(1, 6)]
    await asyncio.sleep(0)
    flush.gate.set()

    assert await first == 0
    assert [await task for task in later] == [10, 20, 30, 40, 50]
    assert flush.batches == [[0], [1, 2, 3, 4, 5]]


async def test_max_batch_splits_a_burst() -> None:
    flush = GatedFlush()
    committer = GroupCommitter(flush, max_batch=4)

    await asyncio.gather(*(committer.submit(i) for i in range(10)))

    assert flush.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_failed_flush_fails_every_waiter_of_that_batch_only() -> None:
    flush = GatedFlush(fail_on=2)
    flush.gate.clear()
    committer = GroupCommitter(flush)
    blocker = asyncio.create_task(committer.submit(100))
    await flush.entered.wait()
    doomed = [asyncio.create_task(committer.submit(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    flush.gate.set()
    assert await blocker == 1000

    outcomes = await asyncio.gather(*doomed, return_exceptions=True)

    assert all(isinstance(o, ValueError) for o in outcomes)
    assert len({id(o) for o in outcomes}) == 1  # the very exception the flush raised
    assert await committer.submit(4) == 40  # the committer keeps working afterwards


async def test_a_cancelled_caller_does_not_cancel_the_shared_write() -> None:
    flush = GatedFlush()
    flush.gate.clear()
    committer = GroupCommitter(flush)
    leaving = asyncio.create_task(committer.submit(1))
    staying = asyncio.create_task(committer.submit(2))
    await flush.entered.wait()

    leaving.cancel()
    await asyncio.sleep(0)
    flush.gate.set()

    assert await staying == 20
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert flush.batches == [[1, 2]]  # the cancelled caller's item was still written


async def test_close_waits_for_submitted_writes() -> None:
    flush = GatedFlush()
    flush.gate.clear()
    committer = GroupCommitter(flush)
    pending = asyncio.create_task(committer.submit(7))
    await flush.entered.wait()

    closing = asyncio.create_task(committer.close())
    await asyncio.sleep(0)
    assert not closing.done()
    flush.gate.set()
    await closing

    assert pending.done()
    assert pending.result() == 70

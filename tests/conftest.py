"""Fixtures shared by the unit and integration tiers: a fixed clock and recorded live events."""

import pytest

from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents


@pytest.fixture
def clock() -> FixedClock:
    """Time that moves only when the test advances it."""
    return FixedClock()


@pytest.fixture
def live() -> RecordingLiveEvents:
    """LiveEvents that records what the services emit."""
    return RecordingLiveEvents()

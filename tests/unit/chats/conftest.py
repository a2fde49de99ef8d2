"""The `world` fixture of the chats unit tests."""

import pytest
from chats_world import World, build_world

from hubbub.contexts.chats.fakes import InMemoryChatStore
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents


@pytest.fixture
async def world(live: RecordingLiveEvents, clock: FixedClock) -> World:
    return await build_world(InMemoryChatStore(), live, clock)

"""In-process fan-out: a publish reaches this process's listener if it subscribed the channel."""

from hubbub.kernel.ports import FanoutListener


class InMemoryFanout:
    def __init__(self) -> None:
        self._listener: FanoutListener | None = None
        self._channels: set[str] = set()

    async def start(self, listener: FanoutListener) -> None:
        self._listener = listener

    async def stop(self) -> None:
        self._listener = None
        self._channels.clear()

    async def publish(self, channel: str, payload: bytes) -> None:
        if self._listener is not None and channel in self._channels:
            self._listener(channel, payload)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def ping(self) -> bool:
        return True

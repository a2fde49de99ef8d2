"""Presence: online while at least one connection is open."""

from hubbub.contexts.realtime import InMemoryPresence
from hubbub.kernel.ids import new_id


def test_online_from_the_first_connection_to_the_last_disconnection() -> None:
    presence = InMemoryPresence()
    alice, bob = new_id(), new_id()

    assert presence.connect(alice) is True
    assert presence.connect(alice) is False
    assert presence.online_among({alice, bob}) == {alice}
    assert presence.disconnect(alice) is False
    assert presence.online_among({alice}) == {alice}
    assert presence.disconnect(alice) is True
    assert presence.online_among({alice, bob}) == set()
    assert presence.connect(alice) is True  # back again

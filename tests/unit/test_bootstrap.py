"""bootstrap(): a role decides what a process builds; adapters follow the settings' URLs."""

from pathlib import Path

import pytest

from hubbub.bootstrap import bootstrap
from hubbub.infra.bus import InMemoryBus
from hubbub.infra.fanout import InMemoryFanout, RedisFanout
from hubbub.infra.presence import InMemoryPresence, RedisPresence
from hubbub.roles import ROLES
from hubbub.settings import Settings

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/hubbub"


def settings(tmp_path: Path, **values: object) -> Settings:
    # Not the developer's ./.env (`hubbub init-env`): each test states its settings.
    return Settings(data_dir=tmp_path, _env_file=None, **values)  # type: ignore[arg-type,call-arg]


async def test_all_is_the_embedded_default_with_in_memory_adapters(tmp_path: Path) -> None:
    container = bootstrap(settings(tmp_path))

    assert container.frontend is not None and container.relay is not None
    assert container.contexts is not None and container.assistant is not None
    assert isinstance(container.bus, InMemoryBus)
    assert isinstance(container.contexts.fanout, InMemoryFanout)
    assert isinstance(container.contexts.presence, InMemoryPresence)
    assert container.redis is None
    # the mood analyser and matching, kept in step by the in-process bus
    assert container.mood is not None and container.matching is not None
    assert container.bus.groups("diary.entry_written") == ["mood"]
    assert "matching" in container.bus.groups("diary.mood_analysed")
    assert "matching" in container.bus.groups("user.deleted")
    # one embedder, loaded once, shared by the assistant and the mood model
    assert container.frontend.apis.matching is container.matching
    await container.db.dispose()


async def test_a_gateway_serves_clients_and_relays_nothing(tmp_path: Path) -> None:
    container = bootstrap(
        settings(
            tmp_path,
            database_url=POSTGRES,
            jwt_secret="s" * 32,
            redis_url="redis://127.0.0.1:6379/0",
            fanout_url="redis://127.0.0.1:6379/0",
        ),
        role="gateway",
    )

    assert container.frontend is not None and container.contexts is not None
    assert container.relay is None and container.bus is None and container.assistant is None
    assert isinstance(container.contexts.fanout, RedisFanout)
    assert isinstance(container.contexts.presence, RedisPresence)
    assert container.redis is not None
    await container.redis.aclose()
    await container.db.dispose()


async def test_a_relay_serves_no_clients_and_runs_the_contexts_consumers(tmp_path: Path) -> None:
    container = bootstrap(settings(tmp_path, database_url=POSTGRES), role="relay")

    assert container.frontend is None and container.contexts is not None
    assert container.relay is not None and container.bus is not None
    assert container.assistant is None
    # The contexts are there for their own consumers: a deleted account's data is erased.
    assert isinstance(container.bus, InMemoryBus)
    assert set(container.bus.groups("user.deleted")) == {
        "users",
        "chats",
        "messages",
        "assistant-accounts",
        "diary",
    }
    # Messages keeps its copy of the chats' membership from chats' events.
    assert set(container.bus.groups("chat.member_joined")) == {"messages-membership"}
    assert container.mood is None and container.matching is None
    await container.db.dispose()


async def test_an_assistant_consumes_the_bus_and_relays_nothing(tmp_path: Path) -> None:
    container = bootstrap(
        settings(tmp_path, database_url=POSTGRES, bus_url="redis://127.0.0.1:6379/0"),
        role="assistant",
    )

    assert container.assistant is not None and container.bus is not None
    assert container.frontend is None and container.relay is None
    await container.bus.stop()
    await container.db.dispose()


async def test_an_indexer_consumes_the_bus_and_nothing_else(tmp_path: Path) -> None:
    container = bootstrap(
        settings(tmp_path, database_url=POSTGRES, bus_url="redis://127.0.0.1:6379/0"),
        role="indexer",
    )

    assert container.indexer is not None and container.bus is not None
    assert container.frontend is None and container.relay is None and container.contexts is None
    assert container.assistant is None
    await container.bus.stop()
    await container.db.dispose()


async def test_a_mood_analyser_consumes_written_entries_and_serves_no_clients(
    tmp_path: Path,
) -> None:
    container = bootstrap(
        settings(tmp_path, database_url=POSTGRES, bus_url="redis://127.0.0.1:6379/0"),
        role="mood",
    )

    assert container.mood is not None and container.bus is not None
    assert container.contexts is not None and container.contexts.diary is not None
    assert container.frontend is None and container.relay is None
    assert container.assistant is None and container.matching is None
    await container.bus.stop()
    await container.db.dispose()


@pytest.mark.parametrize("role", ["assistant", "indexer", "mood"])
def test_bus_consumers_refuse_the_in_process_bus(tmp_path: Path, role: str) -> None:
    with pytest.raises(RuntimeError, match="HUBBUB_BUS_URL"):
        bootstrap(settings(tmp_path, database_url=POSTGRES), role=role)


def test_an_assistant_refuses_the_in_process_bus(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="HUBBUB_BUS_URL"):
        bootstrap(settings(tmp_path, database_url=POSTGRES), role="assistant")


@pytest.mark.parametrize("role", ["gateway", "relay", "assistant", "indexer", "mood"])
def test_split_roles_refuse_the_single_process_sqlite_default(tmp_path: Path, role: str) -> None:
    with pytest.raises(RuntimeError, match="HUBBUB_DATABASE_URL"):
        bootstrap(settings(tmp_path), role=role)


def test_every_role_is_described() -> None:
    assert set(ROLES) == {
        "all",
        "gateway",
        "relay",
        "assistant",
        "indexer",
        "mood",
        "auth",
        "users",
        "chats",
    }
    assert all(role.description for role in ROLES.values())
    # A service role serves its own context over gRPC, and no clients.
    for name in ("auth", "users", "chats"):
        assert ROLES[name].serves_rpc == (name,) and not ROLES[name].serves_clients


async def test_a_service_role_runs_its_context_locally_and_calls_its_peers(
    tmp_path: Path,
) -> None:
    container = bootstrap(
        settings(
            tmp_path, database_url=POSTGRES, jwt_secret="s" * 32, peers_users="10.0.0.1:50051"
        ),
        role="chats",
    )

    assert container.rpc is not None and container.frontend is None
    assert container.contexts is not None and container.relay is None
    assert [(p.context, p.address) for p in container.peers] == [("users", "10.0.0.1:50051")]
    assert not container.peers[0].channel.opened  # opened on first use, in the serving loop
    await container.db.dispose()


async def test_a_process_serving_a_context_never_calls_itself(tmp_path: Path) -> None:
    container = bootstrap(
        settings(tmp_path, database_url=POSTGRES, peers_users="10.0.0.1:50051"), role="users"
    )

    assert container.peers == () and container.rpc is not None
    await container.db.dispose()

"""The split roles (issue 12) as bootstrap() assembles them, on one PostgreSQL: a users, an
auth and a chats service, each its own container serving gRPC, and a gateway whose
HUBBUB_PEERS_* name them. The gateway's Apis are the gRPC clients; an account registered
through it lands in the users service; a chat opened through the chats service is usable
for a send at once (messages' own membership, written by the chats process after commit);
/readyz reports each peer, and a peer that stops is reported and answered as unavailable."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubbub.bootstrap import bootstrap
from hubbub.container import Container
from hubbub.contexts.auth import Credentials, Registration
from hubbub.contexts.auth.rpc import GrpcAuthApi
from hubbub.contexts.chats.rpc import GrpcChatsApi
from hubbub.contexts.users.rpc import GrpcUsersApi
from hubbub.kernel.errors import Unavailable
from hubbub.kernel.ids import new_id
from hubbub.settings import Settings


def settings(tmp_path: Path, url: str, **values: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        database_url=url,
        jwt_secret="s" * 48,
        rpc_deadline_seconds=3.0,
        rpc_breaker_recovery_seconds=1.0,
        shutdown_grace_seconds=0.5,
        **values,
    )


async def started(container: Container) -> Container:
    container.rpc_address = "127.0.0.1:0"  # a free port
    await container.start()
    return container


@pytest.fixture
def url(postgres_database: str) -> str:
    return postgres_database


@pytest.fixture
async def users(tmp_path: Path, url: str) -> AsyncIterator[Container]:
    container = await started(bootstrap(settings(tmp_path, url), role="users"))
    yield container
    if container.started:
        await container.stop()


def at(container: Container) -> str:
    assert container.rpc_port is not None
    return f"127.0.0.1:{container.rpc_port}"


async def test_a_gateway_over_users_auth_and_chats_services(
    tmp_path: Path, url: str, users: Container
) -> None:
    assert users.frontend is None and users.rpc is not None and users.rpc_port
    chats = await started(bootstrap(settings(tmp_path, url, peers_users=at(users)), role="chats"))
    auth = await started(bootstrap(settings(tmp_path, url, peers_users=at(users)), role="auth"))
    gateway = bootstrap(
        settings(
            tmp_path,
            url,
            peers_users=at(users),
            peers_auth=at(auth),
            peers_chats=at(chats),
        ),
        role="gateway",
    )
    await gateway.start()
    try:
        assert gateway.frontend is not None and gateway.contexts is not None
        apis = gateway.frontend.apis
        assert isinstance(apis.auth, GrpcAuthApi)
        assert isinstance(apis.users, GrpcUsersApi)
        assert isinstance(apis.chats, GrpcChatsApi)
        assert gateway.rpc is None  # a gateway serves clients, not gRPC

        suffix = new_id().hex[-8:]
        alice = await apis.auth.register(
            registration=Registration(username=f"alice{suffix}", password="correct horse")
        )
        bob = await apis.auth.register(
            registration=Registration(username=f"bob{suffix}", password="correct horse")
        )
        grant = await apis.auth.login(
            credentials=Credentials(username=f"alice{suffix}", password="correct horse")
        )
        principal = await apis.auth.authenticate(grant.token)
        assert principal.user_id == alice.id
        assert users.contexts is not None
        assert (await users.contexts.users.get(user_id=bob.id)).username == f"bob{suffix}"

        chat, created = await apis.chats.open_direct(user_id=alice.id, partner_id=bob.id)
        assert created
        posted = await apis.messages.post(
            sender_id=alice.id, chat_id=chat.id, text="hello over the split", request_id="r1"
        )
        assert posted.message.seq == 1
        seen = await apis.chats.get(user_id=bob.id, chat_id=chat.id)
        assert (seen.last_seq, seen.unread_count) == (1, 1)

        readiness = await gateway.readiness()
        assert {k: v for k, v in readiness.items() if k.startswith("peer_")} == {
            "peer_users": "ok",
            "peer_auth": "ok",
            "peer_chats": "ok",
        }
        assert (await users.readiness())["grpc"] == "ok"

        await users.stop()  # the users service goes away
        assert (await gateway.readiness())["peer_users"] == "error"
        with pytest.raises(Unavailable):
            await apis.users.get(user_id=bob.id)
    finally:
        await gateway.stop()
        await auth.stop()
        await chats.stop()

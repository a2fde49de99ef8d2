"""Assembly of the chats context: here, or served elsewhere and called over gRPC."""

from collections.abc import Sequence

import grpc

from hubbub.contexts.chats.api import ChatsApi
from hubbub.contexts.chats.ports import ActivityLookup, Committed
from hubbub.contexts.chats.rpc import SERVICE, GrpcChatsApi, add_chats_service
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.chats.store import SqlChatStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.infra.rpc import ClientPolicy, ClientTls, RpcServer, open_channel
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache, LiveEvents


def local_chats(
    *,
    db: Database,
    users: UsersApi,
    live: LiveEvents,
    clock: Clock,
    cache: Cache,
    activity: ActivityLookup | None = None,
    committed: Sequence[Committed] = (),
) -> LocalChatsApi:
    """The chats context running in this process on `db`: `activity` answers chat lists'
    unread counts (messages), `committed` hears membership changes right after commit."""
    return LocalChatsApi(
        store=SqlChatStore(db),
        users=users,
        live=live,
        clock=clock,
        cache=cache,
        activity=activity,
        committed=committed,
    )


def chats_channel(
    address: str, *, policy: ClientPolicy, tls: ClientTls | None = None
) -> grpc.aio.Channel:
    """A channel to the chats service at `address` (`HUBBUB_PEERS_CHATS`)."""
    return open_channel("chats", address, [SERVICE], policy=policy, tls=tls)


def remote_chats(channel: grpc.aio.Channel) -> ChatsApi:
    """The chats context served by another process, called over `channel`."""
    return GrpcChatsApi(channel)


def serve_chats(server: RpcServer, api: ChatsApi) -> None:
    """Serve `api` (the local chats context) as the ChatsService of `server`."""
    server.add(SERVICE, lambda grpc_server: add_chats_service(grpc_server, api))

"""Peer addresses, the channels' service config and what the proto says about each rpc."""

import json

import pytest

from hubbub.contexts.users.rpc import SERVICE as USERS
from hubbub.infra.rpc import target_of
from hubbub.infra.rpc.channels import RETRY_POLICY, service_config
from hubbub.infra.rpc.methods import rpc_at
from hubbub.rpc_gen.realtime.v1 import notification_pb2
from hubbub.settings import Settings


@pytest.mark.parametrize(
    ("address", "target"),
    [
        ("users:50051", "dns:///users:50051"),
        (" 127.0.0.1:50051 ", "dns:///127.0.0.1:50051"),
        ("dns:///users.hubbub.svc:50051", "dns:///users.hubbub.svc:50051"),
        ("10.0.0.1:50051,10.0.0.2:50051", "ipv4:10.0.0.1:50051,10.0.0.2:50051"),
        ("[::1]:50051,[::2]:50051", "ipv6:[::1]:50051,[::2]:50051"),
        ("unix:/run/hubbub/users.sock", "unix:/run/hubbub/users.sock"),
    ],
)
def test_peer_addresses_become_grpc_targets(address: str, target: str) -> None:
    assert target_of(address) == target


@pytest.mark.parametrize(
    ("address", "complaint"),
    [
        ("users", "expected host:port"),
        ("users:http", "expected host:port"),
        ("", "expected host:port"),
        ("users-1:50051,users-2:50051", "dns:///name:port"),
        ("10.0.0.1:1,[::1]:2", "do not mix"),
    ],
)
def test_malformed_peer_addresses_are_refused(address: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint.replace("/", ".")):
        target_of(address)


def test_the_service_config_balances_round_robin_and_retries_what_is_safe() -> None:
    config = json.loads(service_config([USERS]))

    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    [method_config] = config["methodConfig"]
    assert method_config["retryPolicy"] == {
        "maxAttempts": 3,
        "initialBackoff": "0.1s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE", "DEADLINE_EXCEEDED"],
    }
    assert method_config["retryPolicy"] == RETRY_POLICY
    retried = {name["method"] for name in method_config["name"]}
    assert retried == set(USERS.methods_by_name)  # every users rpc declares itself safe
    assert {name["service"] for name in method_config["name"]} == {"hubbub.users.v1.UsersService"}


def test_the_proto_says_which_rpcs_read_and_which_need_a_key() -> None:
    read = rpc_at("/hubbub.users.v1.UsersService/GetUserByID")
    write = rpc_at("/hubbub.users.v1.UsersService/CreateUser")
    health = rpc_at("/grpc.health.v1.Health/Check")

    assert (read.service, read.name) == ("hubbub.users.v1.UsersService", "GetUserByID")
    assert (read.reads_only, read.safe_to_repeat, read.keyed) == (True, True, False)
    assert (write.reads_only, write.safe_to_repeat, write.keyed) == (False, True, True)
    assert (health.safe_to_repeat, health.keyed) == (False, False)
    assert notification_pb2.DESCRIPTOR.services_by_name["NotificationService"]


def test_peers_are_the_contexts_with_an_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBBUB_PEERS_USERS", "users:50051")
    monkeypatch.setenv("HUBBUB_PEERS_NOTIFICATION", "dns:///notification:50051")

    settings = Settings()

    assert settings.peers == {"users": "users:50051", "notification": "dns:///notification:50051"}
    assert Settings(peers_users=None, peers_notification=None).peers == {}

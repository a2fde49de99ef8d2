"""The gRPC toolchain: the checked-in generated code is what `make proto` writes from proto/,
and every service keeps the conventions its clients rely on (proto/README.md)."""

import filecmp
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions

import hubbub.rpc_gen

ROOT = Path(__file__).resolve().parents[3]
GENERATED = ROOT / "src" / "hubbub" / "rpc_gen"

# The calls the design documents name, and where hubbub serves them.
DESIGNED_CALLS = {
    "hubbub.auth.v1.AuthService": {"Register", "Login", "ValidateToken"},
    "hubbub.users.v1.UsersService": {"CreateUser", "GetUserByEmail", "GetUserByID"},
    "hubbub.chats.v1.ChatsService": {"GetChatByID", "GetUsersByChatID"},
    "hubbub.messages.v1.MessagesService": {"GetMessagesByChat", "PostMessage"},
    "hubbub.realtime.v1.NotificationService": {
        "SendMessage",
        "ValidateChatAccess",
        "GetUsersStatus",
        "BroadcastSystemMessage",
    },
    "hubbub.assistant.v1.AssistantService": {
        "GetBindingsByChat",
        "GetThreadContext",
        "GetUserWithChatByThreadID",
    },
}


def _services() -> dict[str, ServiceDescriptor]:
    found = {}
    for module in pkgutil.walk_packages(hubbub.rpc_gen.__path__, "hubbub.rpc_gen."):
        if module.name.endswith("_pb2"):
            descriptor = importlib.import_module(module.name).DESCRIPTOR
            found.update({s.full_name: s for s in descriptor.services_by_name.values()})
    return found


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_checked_in_code_is_what_make_proto_writes(tmp_path: Path) -> None:
    out = tmp_path / "rpc_gen"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "protogen.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )

    checked_in = [f for f in _files(GENERATED) if "__pycache__" not in f]
    assert _files(out) == checked_in, "run `make proto` and commit src/hubbub/rpc_gen/"
    _, mismatch, errors = filecmp.cmpfiles(out, GENERATED, checked_in, shallow=False)
    assert mismatch == errors == [], "run `make proto` and commit src/hubbub/rpc_gen/"


def test_every_context_has_its_service_with_the_designed_calls() -> None:
    services = _services()

    assert set(services) == set(DESIGNED_CALLS)
    for name, calls in DESIGNED_CALLS.items():
        assert calls <= set(services[name].methods_by_name), name


@pytest.mark.parametrize("service", sorted(DESIGNED_CALLS))
def test_every_rpc_says_whether_it_is_safe_to_repeat(service: str) -> None:
    # Clients retry exactly the rpcs that declare a level; an rpc without one would silently
    # lose its retries (or, marked wrongly later, gain them).
    declared = {MethodOptions.NO_SIDE_EFFECTS, MethodOptions.IDEMPOTENT}
    for method in _services()[service].methods:
        assert method.GetOptions().idempotency_level in declared, method.full_name


def test_generated_modules_live_under_rpc_gen_and_keep_the_wire_names() -> None:
    from hubbub.rpc_gen.chats.v1 import chats_pb2

    assert chats_pb2.Chat.__module__ == "hubbub.rpc_gen.chats.v1.chats_pb2"
    assert chats_pb2.Chat.DESCRIPTOR.full_name == "hubbub.chats.v1.Chat"
    member_user = chats_pb2.Member.DESCRIPTOR.fields_by_name["user"].message_type
    assert member_user.full_name == "hubbub.users.v1.UserView"

"""Every kernel error crosses the hop as itself: the users service raises it, its server
answers the table's status code with the error's code in the trailing metadata, and the
gRPC client raises the same error again (class, HTTP status, code, message, retry_after).
So a 403 from a remote service is still a 403 with the same code at the gateway."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import grpc
import pytest
from structlog.testing import capture_logs

import hubbub.kernel.errors as kernel_errors
from hubbub.contexts.users import UsersApi, UserView
from hubbub.infra.rpc import RemoteError, metadata
from hubbub.infra.rpc.errors import TABLE
from hubbub.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from hubbub.kernel.ids import new_id
from hubbub.rpc_gen.users.v1 import users_pb2, users_pb2_grpc
from rpc_servers import users_client, users_server


class Gone(DomainError):
    """A kernel error the table does not name (as a later issue might add one)."""

    status = 410
    code = "gone"


KERNEL_ERRORS = [
    Invalid("display_name: at most 100 characters", code="invalid_display_name"),
    Unauthorized("token expired", code="token_expired"),
    Forbidden("you are not a member of this chat", code="not_a_member"),
    NotFound("chat not found", code="chat_not_found"),
    Conflict("username is taken", code="username_taken"),
    RateLimited("too many requests", retry_after=7),
    Unavailable("the database is unavailable"),
    DomainError("the base error"),
    Gone("that message was deleted", code="message_deleted"),
]


class FailingUsers:
    """The real users service, except that `get` fails with `error`."""

    def __init__(self, real: UsersApi) -> None:
        self._real = real
        self.error: Exception = RuntimeError("no error chosen")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def get(self, *, user_id: UUID) -> UserView:
        raise self.error


@dataclass
class Failing:
    service: FailingUsers
    """Served as the UsersService..."""
    client: UsersApi
    """...and called over gRPC."""


@pytest.fixture
async def failing(users_api: UsersApi) -> AsyncIterator[Failing]:
    service = FailingUsers(users_api)
    async with (
        users_server(service) as served,  # type: ignore[arg-type]
        users_client(served.address) as client,
    ):
        yield Failing(service, client)


def test_the_table_names_every_error_of_the_kernel() -> None:
    kernel = {
        cls
        for cls in vars(kernel_errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError) and cls is not DomainError
    }
    assert kernel == {error for error, _ in TABLE}
    assert len({status for _, status in TABLE}) == len(TABLE)  # one way back for each


@pytest.mark.parametrize("error", KERNEL_ERRORS, ids=lambda e: type(e).__name__)
async def test_a_kernel_error_round_trips(failing: Failing, error: DomainError) -> None:
    failing.service.error = error

    with pytest.raises(DomainError) as caught:
        await failing.client.get(user_id=new_id())

    again = caught.value
    if type(error) in dict(TABLE):
        assert type(again) is type(error)
    assert (again.status, again.code, again.message) == (error.status, error.code, error.message)
    if isinstance(error, RateLimited):
        assert isinstance(again, RateLimited)
        assert again.retry_after == 7


async def test_a_bug_in_the_service_is_a_500_and_its_details_stay_there(
    failing: Failing,
) -> None:
    failing.service.error = KeyError("secret internals")

    with capture_logs() as logs, pytest.raises(RemoteError) as caught:
        await failing.client.get(user_id=new_id())

    assert "INTERNAL" in str(caught.value)
    assert "secret internals" not in str(caught.value)
    [logged] = [line for line in logs if line["event"] == "rpc_failed"]
    assert logged["log_level"] == "error"
    assert logged["exc_info"] is True


async def test_a_malformed_id_is_the_callers_mistake(users_api: UsersApi) -> None:
    async with users_server(users_api) as served:
        channel = grpc.aio.insecure_channel(served.address)  # no client policy: raw statuses
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await users_pb2_grpc.UsersServiceStub(channel).GetUserByID(
                users_pb2.GetUserByIDRequest(user_id="not-a-uuid")
            )
        await channel.close()

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "user_id: not a UUID"
    trailing = caught.value.trailing_metadata()
    assert metadata.value_of(trailing, metadata.ERROR_CODE) == "validation_error"

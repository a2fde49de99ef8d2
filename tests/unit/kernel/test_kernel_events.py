"""Events, ids, time formatting and error codes: the shared vocabulary."""

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from hubbub.contexts.messages import MessagePosted
from hubbub.kernel import errors
from hubbub.kernel.clock import iso
from hubbub.kernel.ids import new_id, parse_id


def posted(request_id: str | None = "r-1") -> MessagePosted:
    return MessagePosted(
        message_id=new_id(),
        chat_id=new_id(),
        seq=7,
        sender_id=new_id(),
        text="hello",
        created_at=datetime(2026, 11, 22, 10, 0, 0, 123000, tzinfo=UTC),
        ai_generated=False,
        request_id=request_id,
    )


@pytest.mark.parametrize("request_id", ["r-1", None])
def test_an_event_survives_a_json_round_trip(request_id: str | None) -> None:
    event = posted(request_id)

    payload = orjson.loads(orjson.dumps(event.to_payload()))

    assert payload["version"] == 1
    assert MessagePosted.from_payload(payload) == event


def test_from_payload_ignores_unknown_keys() -> None:
    event = posted()
    payload = {**event.to_payload(), "added_in_v2": "whatever"}

    assert MessagePosted.from_payload(payload) == event


def test_message_posted_is_keyed_by_chat_for_per_chat_order() -> None:
    event = posted()

    assert event.key == str(event.chat_id)
    assert event.topic == "chat.message.persisted"


def test_new_ids_are_uuid7_and_sort_by_creation() -> None:
    ids = [new_id() for _ in range(100)]

    assert all(i.version == 7 for i in ids)
    assert sorted(ids) == ids


@pytest.mark.parametrize("raw", ["nope", "", "123", None, 42])
def test_parse_id_rejects_what_is_not_a_uuid(raw: object) -> None:
    assert parse_id(raw) is None  # type: ignore[arg-type]


def test_parse_id_accepts_the_canonical_spelling_only() -> None:
    value = new_id()
    assert parse_id(str(value)) == value
    assert parse_id(value.hex) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC), "2026-11-22T10:00:00.123Z"),
        (datetime(2026, 11, 22, 10, 0), "2026-11-22T10:00:00.000Z"),  # naive means UTC
        (
            datetime(2026, 11, 22, 13, 0, tzinfo=timezone(timedelta(hours=3))),
            "2026-11-22T10:00:00.000Z",
        ),
    ],
)
def test_iso_is_rfc3339_utc_with_milliseconds(moment: datetime, expected: str) -> None:
    assert iso(moment) == expected


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.Invalid, 422, "validation_error"),
        (errors.Unauthorized, 401, "unauthorized"),
        (errors.Forbidden, 403, "forbidden"),
        (errors.NotFound, 404, "not_found"),
        (errors.Conflict, 409, "conflict"),
        (errors.Unavailable, 503, "unavailable"),
    ],
)
def test_each_domain_error_maps_to_one_status(
    error: type[errors.DomainError], status: int, code: str
) -> None:
    plain = error("x")
    specific = error("x", code="username_taken")

    assert (plain.status, plain.code) == (status, code)
    assert (specific.status, specific.code) == (status, "username_taken")
    assert error.code == code  # a custom code never leaks into the class


def test_rate_limited_carries_retry_after() -> None:
    limited = errors.RateLimited("slow down", retry_after=7)
    assert (limited.status, limited.code, limited.retry_after) == (429, "rate_limited", 7)

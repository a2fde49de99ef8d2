"""exponential_backoff: base, doubling, capped, and safe through an outage of any length."""

import math

import pytest

from hubbub.kernel.backoff import exponential_backoff


def test_the_pause_starts_at_base_and_doubles_with_each_failure() -> None:
    pauses = [exponential_backoff(n, base=0.5, cap=30.0) for n in range(1, 6)]

    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_the_pause_never_exceeds_the_cap() -> None:
    pauses = [exponential_backoff(n, base=0.2, cap=1.0) for n in range(1, 6)]

    assert pauses == [0.2, 0.4, 0.8, 1.0, 1.0]


def test_a_base_above_the_cap_is_capped_from_the_first_failure() -> None:
    assert exponential_backoff(1, base=10.0, cap=5.0) == 5.0


@pytest.mark.parametrize("failures", [0, -3])
def test_no_failure_yet_counts_as_the_first(failures: int) -> None:
    assert exponential_backoff(failures, base=0.5, cap=30.0) == 0.5


def test_it_matches_the_closed_form_exactly() -> None:
    for base in (0.01, 0.1, 0.2, 0.5):
        for failures in range(1, 20):
            expected = min(5.0, base * 2 ** (failures - 1))
            assert exponential_backoff(failures, base=base, cap=5.0) == expected


def test_a_long_outage_stays_at_the_cap_instead_of_overflowing() -> None:
    # base * 2 ** 1999 is no float: a naive formula raises OverflowError here.
    assert exponential_backoff(2000, base=0.5, cap=30.0) == 30.0


def test_without_a_cap_it_keeps_doubling() -> None:
    assert exponential_backoff(4, base=0.01, cap=math.inf) == 0.08

"""Mood profiles: recency weighting, the data floor, the vector and its score."""

from datetime import date, timedelta

import numpy as np
import pytest

from hubbub.contexts.matching import model
from hubbub.contexts.matching.fakes import FakeMoodDay
from hubbub.kernel.ids import new_id
from hubbub.kernel.mood import EMOTIONS

TODAY = date(2026, 12, 2)


def mood(**shares: float) -> dict[str, float]:
    return {name: shares.get(name, 0.0) for name in EMOTIONS}


def shares(**named: float) -> tuple[float, ...]:
    return tuple(mood(**named).values())


def day(user, ago: int, entries: int, valence: float, **shares: float) -> FakeMoodDay:  # type: ignore[no-untyped-def]
    return FakeMoodDay(user, TODAY - timedelta(days=ago), entries, valence, mood(**shares))


def test_too_few_entries_in_the_window_is_no_profile() -> None:
    user = new_id()
    days = [day(user, 0, 1, 0.5, joy=1), day(user, 1, 1, 0.5, joy=1), day(user, 30, 5, 0.5, joy=1)]

    assert model.profile_of(user, days, today=TODAY) is None
    assert model.profile_of(user, [*days, day(user, 29, 1, 0.0, joy=1)], today=TODAY) is not None


def test_recent_days_weigh_more_halving_every_week() -> None:
    user = new_id()
    days = [day(user, 0, 2, 1.0, joy=1.0), day(user, 7, 2, -1.0, sadness=1.0)]

    profile = model.profile_of(user, days, today=TODAY)

    assert profile is not None
    assert profile.entries == 4
    joy, sadness = profile.emotions[EMOTIONS.index("joy")], profile.emotions[1]
    assert joy == pytest.approx(2 / 3, abs=1e-6)  # weights 2 and 2 * 0.5
    assert sadness == pytest.approx(1 / 3, abs=1e-6)
    assert profile.valence == pytest.approx((2 - 1) / 3, abs=1e-6)
    assert sum(profile.emotions) == pytest.approx(1.0, abs=1e-5)


def test_vectors_are_unit_and_the_score_is_in_0_1() -> None:
    cheerful = model.encode(shares(joy=0.8, surprise=0.2), 0.9)
    also = model.encode(shares(joy=0.7, surprise=0.3), 0.8)
    gloomy = model.encode(shares(sadness=0.6, fear=0.4), -0.9)

    for vector in (cheerful, also, gloomy):
        assert vector.dtype == np.float32
        assert vector.shape == (model.DIM,)
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-6)
    assert model.score(cheerful, cheerful) == pytest.approx(1.0, abs=1e-6)
    assert model.score(cheerful, also) > 0.95
    # no shared emotion, opposite valence: both terms are near zero
    assert model.score(cheerful, gloomy) < 0.05
    assert model.emotions_of(cheerful)[0] == pytest.approx(0.8, abs=1e-5)


def test_shared_names_the_emotions_both_have_notably_most_shared_first() -> None:
    mine = shares(joy=0.5, sadness=0.25, fear=0.25)
    theirs = shares(joy=0.3, sadness=0.5, anger=0.2)

    assert model.shared_emotions(mine, theirs) == ["joy", "sadness"]
    assert model.shared_emotions(mine, shares(anger=1.0)) == []


def test_profiles_of_groups_by_person_and_skips_the_thin_ones() -> None:
    rich, thin = new_id(), new_id()
    days = [day(rich, i, 1, 0.2, joy=1) for i in range(3)] + [day(thin, 0, 2, 0.1, fear=1)]

    assert [p.user_id for p in model.profiles_of(days, today=TODAY)] == [rich]


def test_encode_many_is_encode_row_by_row() -> None:
    rows = np.array([shares(joy=0.5, fear=0.5), shares(neutral=1.0)])
    valences = np.array([0.3, -1.0])

    many = model.encode_many(rows, valences)

    assert many.dtype == np.float32
    for row, valence, vector in zip(rows, valences, many, strict=True):
        assert np.allclose(vector, model.encode(tuple(row), float(valence)))

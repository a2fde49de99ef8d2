"""Mood profiles and their similarity: pure functions, no IO.

A person's mood profile is a recency-weighted mean over the days of the last 30 on which
they wrote analysed entries: each day counts with its number of analysed entries times
`0.5 ** (age_days / HALF_LIFE_DAYS)`, so last week weighs twice the week before. It has an
emotion distribution `p` (the six emotions of the contract, summing to 1) and a valence `v`.

Profiles are compared through one compact unit vector (float32, `DIM` = 8), so that the
similarity of two people is a dot product and the top-k of a whole index one matrix-vector
product:

    vector = [sqrt(W_EMOTIONS) * sqrt(p),  sqrt(W_VALENCE) * (cos t, sin t)]
    t      = (v + 1) / 2 * pi / 2          (valence -1..1 -> angle 0..pi/2)

    a . b  = W_EMOTIONS * sum_i sqrt(p_i q_i)  +  W_VALENCE * cos(t_a - t_b)

The first term is the Bhattacharyya coefficient of the two distributions (1 when equal, 0
when they share no emotion), the second 1 for equal valence and 0 for opposite extremes;
both are in 0..1, the weights sum to 1, so the score is in 0..1 and is also the cosine of
the two vectors (each has norm 1).
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from hubbub.kernel.mood import EMOTIONS

WINDOW_DAYS = 30
HALF_LIFE_DAYS = 7.0
MIN_ENTRIES = 3
"""Fewer analysed entries than this in the window: no profile, no matches (noise)."""
NOTABLE = 0.2
"""An emotion is notable in a profile from this share up (uniform would be 1/6)."""
W_EMOTIONS = 0.75
W_VALENCE = 0.25
DIM = len(EMOTIONS) + 2

TOO_LITTLE_DATA = (
    f"Too little to go on yet: matches need at least {MIN_ENTRIES} analysed diary entries "
    f"in the last {WINDOW_DAYS} days."
)

FloatRow = NDArray[np.float32]


class MoodDayLike(Protocol):
    """One person's analysed entries of one day (the diary's per-day timeline row)."""

    @property
    def user_id(self) -> UUID: ...

    @property
    def date(self) -> date: ...

    @property
    def entries(self) -> int: ...

    @property
    def valence_mean(self) -> float: ...

    @property
    def emotions(self) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class MoodProfile:
    """A person's recent mood: an emotion distribution (in `EMOTIONS` order) and valence."""

    user_id: UUID
    emotions: tuple[float, ...]
    valence: float
    entries: int

    def vector(self) -> FloatRow:
        """The unit vector of this profile (see the module's docstring)."""
        return encode(self.emotions, self.valence)


def profile_of(user_id: UUID, days: Iterable[MoodDayLike], *, today: date) -> MoodProfile | None:
    """The profile of one person from their `days` (any order; days outside the window are
    ignored), or None when there are fewer than `MIN_ENTRIES` analysed entries in the window."""
    found = profiles_of((d for d in days if d.user_id == user_id), today=today)
    return found[0] if found else None


def profiles_of(days: Iterable[MoodDayLike], *, today: date) -> list[MoodProfile]:
    """The profile of every person with enough data among `days`, computed for all of them
    at once with numpy (the periodic rebuild reads every timeline row of 30 days)."""
    users: list[UUID] = []
    ages: list[int] = []
    counts: list[int] = []
    valences: list[float] = []
    shares: list[list[float]] = []
    for day in days:
        age = (today - day.date).days
        if not 0 <= age < WINDOW_DAYS or day.entries <= 0:
            continue
        users.append(day.user_id)
        ages.append(age)
        counts.append(day.entries)
        valences.append(float(day.valence_mean))
        emotions = day.emotions
        shares.append([max(0.0, float(emotions.get(name, 0.0))) for name in EMOTIONS])
    if not users:
        return []
    order: dict[UUID, int] = {}
    who = np.fromiter((order.setdefault(u, len(order)) for u in users), dtype=np.int64)
    n = len(order)
    entries = np.bincount(who, weights=np.asarray(counts, dtype=np.float64), minlength=n)
    w = np.asarray(counts, dtype=np.float64) * 0.5 ** (np.asarray(ages) / HALF_LIFE_DAYS)
    total_w = np.bincount(who, weights=w, minlength=n)
    grid = np.asarray(shares, dtype=np.float64)
    mix = np.stack(
        [np.bincount(who, weights=w * grid[:, j], minlength=n) for j in range(len(EMOTIONS))],
        axis=1,
    )
    sums = mix.sum(axis=1, keepdims=True)
    mix = np.where(sums > 0, mix / np.where(sums > 0, sums, 1), 1 / len(EMOTIONS))
    valence = np.clip(
        np.bincount(who, weights=w * np.asarray(valences), minlength=n) / total_w, -1.0, 1.0
    )
    ids = list(order)
    return [
        MoodProfile(
            user_id=ids[i],
            emotions=tuple(round(float(x), 6) for x in mix[i]),
            valence=float(valence[i]),
            entries=int(entries[i]),
        )
        for i in np.flatnonzero(entries >= MIN_ENTRIES)
    ]


def encode(emotions: Sequence[float], valence: float) -> FloatRow:
    """The unit vector of a distribution (in `EMOTIONS` order) and a valence."""
    angle = (min(1.0, max(-1.0, valence)) + 1) / 2 * (math.pi / 2)
    head = math.sqrt(W_EMOTIONS) * np.sqrt(np.clip(np.asarray(emotions, dtype=np.float64), 0, 1))
    tail = math.sqrt(W_VALENCE) * np.array([math.cos(angle), math.sin(angle)])
    return np.concatenate([head, tail]).astype(np.float32)


def encode_many(
    emotions: NDArray[np.float64], valences: NDArray[np.float64]
) -> NDArray[np.float32]:
    """`encode` for many people at once: rows of distributions, a valence each."""
    angles = (np.clip(valences, -1.0, 1.0) + 1) / 2 * (math.pi / 2)
    head = math.sqrt(W_EMOTIONS) * np.sqrt(np.clip(emotions, 0, 1))
    tail = math.sqrt(W_VALENCE) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return np.concatenate([head, tail], axis=1).astype(np.float32)


def emotions_of(vector: FloatRow) -> tuple[float, ...]:
    """The emotion distribution a vector encodes (the inverse of `encode`'s first part)."""
    head = vector[: len(EMOTIONS)].astype(np.float64) ** 2 / W_EMOTIONS
    return tuple(float(x) for x in head)


def shared_emotions(mine: Sequence[float], theirs: Sequence[float]) -> list[str]:
    """The emotions both have notably (>= `NOTABLE`), the most shared first."""
    both = [
        (min(a, b), name)
        for name, a, b in zip(EMOTIONS, mine, theirs, strict=True)
        if a >= NOTABLE and b >= NOTABLE
    ]
    return [name for _, name in sorted(both, key=lambda pair: (-pair[0], pair[1]))]


def score(a: FloatRow, b: FloatRow) -> float:
    """The similarity of two profile vectors, 0..1."""
    return min(1.0, max(0.0, float(np.dot(a, b))))

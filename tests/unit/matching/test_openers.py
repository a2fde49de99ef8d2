"""The written openers: every emotion in every language, none revealing more than it names."""

from datetime import date

from hubbub.contexts.matching.openers import LANGUAGES, OPENERS, choose_opener, language_of
from hubbub.kernel.ids import new_id
from hubbub.kernel.mood import EMOTIONS


def test_every_emotion_has_lines_in_every_language() -> None:
    for language in LANGUAGES:
        assert set(OPENERS[language]) == {*EMOTIONS, "none"}
        for lines in OPENERS[language].values():
            assert len(lines) >= 2 and all(0 < len(line) <= 200 for line in lines)


def test_language_tags_map_to_offered_languages() -> None:
    assert [language_of(t) for t in ("ru-RU", "RU", "en_US", "de", None, "")] == [
        "ru",
        "ru",
        "en",
        "en",
        "en",
        "en",
    ]


def test_the_choice_varies_across_pairs_but_not_within_one() -> None:
    day = date(2026, 12, 2)
    a = new_id()
    chosen = {choose_opener(["joy"], language="en", a=a, b=new_id(), day=day) for _ in range(40)}
    assert chosen == set(OPENERS["en"]["joy"])
    assert choose_opener([], language="ru", a=a, b=a, day=day) in OPENERS["ru"]["none"]

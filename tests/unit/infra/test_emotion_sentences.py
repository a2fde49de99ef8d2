"""The sentence splitter and the chunker of the mood model (English and Russian)."""

import pytest

from hubbub.infra.emotion.sentences import chunk_sentences, sample_evenly, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Long week. The server crashed!! Then what?! Slept badly.",
         ["Long week.", "The server crashed!!", "Then what?!", "Slept badly."]),
        ("Устала. Но день хороший! Правда?", ["Устала.", "Но день хороший!", "Правда?"]),
        # an ellipsis goes on before a small letter and ends a sentence before a capital
        ("I don't know... maybe tomorrow. Ugh... Mondays.",
         ["I don't know... maybe tomorrow.", "Ugh...", "Mondays."]),
        ("Хотела позвонить… Не смогла.", ["Хотела позвонить…", "Не смогла."]),
        # titles, abbreviations, initials, decimals and times are not sentence ends
        ("Saw Dr. Smith at 5 p.m. and paid 2.5 dollars, e.g. nothing. Fine.",
         ["Saw Dr. Smith at 5 p.m. and paid 2.5 dollars, e.g. nothing.", "Fine."]),
        ("Встретила А. С. Иванова, т. е. соседа. Купила хлеб, молоко и т.д. и т.п. Устала!",
         ["Встретила А. С. Иванова, т. е. соседа.", "Купила хлеб, молоко и т.д. и т.п.",
          "Устала!"]),
        ("We bought apples, pears, etc. Then we left.",
         ["We bought apples, pears, etc.", "Then we left."]),
        # direct speech goes on after a closing quote and a dash or a small letter
        ("«Ты серьёзно?» — спросила она. Я кивнула.",
         ["«Ты серьёзно?» — спросила она.", "Я кивнула."]),
        ('"Really?" he asked. Yes!', ['"Really?" he asked.', "Yes!"]),
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        # diary style: no capitals, no final stop, smileys, line breaks
        ("long day. feel empty. just sleep", ["long day.", "feel empty.", "just sleep"]),
        ("ну прелесть же) потом домой", ["ну прелесть же) потом домой"]),
        ("first line\nsecond line. still second\n\n   \nthird",
         ["first line", "second line.", "still second", "third"]),
        ("", []),
        ("   \n\t ", []),
    ],
)  # fmt: skip
def test_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_every_character_of_a_sentence_survives_splitting() -> None:
    text = "One. Two! Three? Four… Five... six. Seven."
    assert " ".join(split_sentences(text)) == text


def test_chunks_pack_consecutive_sentences_up_to_the_limit() -> None:
    sentences = ["aaaa.", "bbbb.", "cccc.", "dddd."]

    assert chunk_sentences(sentences, max_chars=11) == ["aaaa. bbbb.", "cccc. dddd."]
    assert chunk_sentences(sentences, max_chars=100) == ["aaaa. bbbb. cccc. dddd."]
    assert chunk_sentences(sentences, max_chars=0) == sentences
    assert chunk_sentences([], max_chars=100) == []


def test_a_sentence_longer_than_a_chunk_is_cut_at_word_boundaries() -> None:
    long = " ".join(["word"] * 100)  # 499 characters, no sentence end
    chunks = chunk_sentences([long, "End."], max_chars=240)
    assert all(len(chunk) <= 240 for chunk in chunks)
    assert " ".join(chunks) == f"{long} End."


def test_a_run_without_spaces_is_cut_where_it_must() -> None:
    chunks = chunk_sentences(["y" * 1000], max_chars=240)
    assert [len(c) for c in chunks] == [240, 240, 240, 240, 40]


def test_a_long_entry_is_sampled_evenly_from_first_to_last() -> None:
    chunks = [str(i) for i in range(100)]
    picked = sample_evenly(chunks, limit=5)
    assert picked[0] == "0" and picked[-1] == "99" and len(picked) == 5
    assert sample_evenly(chunks[:3], limit=5) == ["0", "1", "2"]

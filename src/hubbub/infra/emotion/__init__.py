"""The offline emotion classifier behind the `MoodModel` port: the shared `Embedder` plus a
small head trained on hubbub's own labelled diary sentences (`data/mood/`), shipped as
`weights/mood_head.npz`. Training: `scripts/train_mood.py`; evaluation: `bench/mood_eval/`."""

from hubbub.infra.emotion.model import EmotionHeadModel

__all__ = ["EmotionHeadModel"]

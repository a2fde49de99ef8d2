"""First lines for "say hi": written openers per shared emotion and language, chosen for a
pair of people. Pure data and one pure function.

What an opener may say is exactly what the match already shows both people: the emotions
they share (never a word of either diary, never a score). Lines are written, not generated:
each fits its emotion and reads naturally as a first message; the pair and the day pick one
among several, so two people do not get the same line every time and no line is invented.
"""

import hashlib
from datetime import date
from uuid import UUID

LANGUAGES = ("en", "ru")

OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "joy": (
            "Hi! Looks like we've both had some bright days lately. What's been making yours good?",
            "Hey! Apparently we're both in a pretty happy stretch. What's the best thing that "
            "happened to you this week?",
            "Hello! Matched on good moods, it seems. What's been lifting your spirits?",
        ),
        "sadness": (
            "Hi. It seems we've both had some heavier days recently. How are you holding up?",
            "Hey, I saw we've both been a bit down lately. No pressure, but I'm happy to chat "
            "if you'd like some company.",
            "Hello. Seems we're in a similar, quieter place these days. What helps you on "
            "the harder days?",
        ),
        "anger": (
            "Hi! Seems we've both had some frustrating days lately. What do you do to let off "
            "steam?",
            "Hey, apparently we've both been running into things that wind us up. How do you "
            "usually cool down?",
        ),
        "fear": (
            "Hi. It looks like we've both had some anxious moments lately. What helps you "
            "feel a bit steadier?",
            "Hey, seems we've both been carrying some worry recently. Want to swap ways of coping?",
        ),
        "surprise": (
            "Hi! Seems life has been surprising us both lately. Anything unexpected happen on "
            "your side?",
            "Hey! Apparently we've both had a few plot twists recently. What's been the "
            "biggest surprise for you?",
        ),
        "neutral": (
            "Hi! It seems we've both had fairly calm, steady days. What does a good ordinary "
            "day look like for you?",
            "Hey! Matched on an even keel, it seems. What's keeping you busy these days?",
        ),
        "none": (
            "Hi! The app thought we might get along. How has your week been?",
            "Hey! We were matched as people with similar moods. What's on your mind these days?",
        ),
    },
    "ru": {
        "joy": (
            "Привет! Похоже, у нас обоих сейчас светлые дни. Что тебя радует в последнее время?",
            "Привет! Кажется, мы оба сейчас в хорошем настроении. Что самое классное случилось "
            "у тебя на этой неделе?",
            "Здравствуй! Нас свело хорошее настроение. Что тебя сейчас вдохновляет?",
        ),
        "sadness": (
            "Привет. Кажется, у нас обоих были непростые дни. Как ты держишься?",
            "Привет. Похоже, нам обоим сейчас немного грустно. Если хочется поговорить, я рядом.",
            "Здравствуй. Кажется, мы сейчас в похожем, тихом настроении. Что помогает тебе в "
            "тяжёлые дни?",
        ),
        "anger": (
            "Привет! Похоже, нас обоих в последнее время многое злит. Как ты выпускаешь пар?",
            "Привет. Кажется, у нас обоих были дни, которые выводили из себя. Как ты обычно "
            "успокаиваешься?",
        ),
        "fear": (
            "Привет. Похоже, нам обоим в последнее время бывает тревожно. Что помогает тебе "
            "почувствовать опору?",
            "Привет. Кажется, мы оба сейчас немного волнуемся. Поделимся, кто как справляется?",
        ),
        "surprise": (
            "Привет! Похоже, жизнь нас обоих в последнее время удивляет. Что неожиданного "
            "случилось у тебя?",
            "Привет! Кажется, у нас обоих было немало сюрпризов. Какой был самый большой у тебя?",
        ),
        "neutral": (
            "Привет! Похоже, у нас обоих спокойные, ровные дни. Каким для тебя бывает хороший "
            "обычный день?",
            "Привет! Нас свело ровное настроение. Чем ты сейчас занят(а)?",
        ),
        "none": (
            "Привет! Приложение решило, что мы можем найти общий язык. Как прошла твоя неделя?",
            "Привет! Нас подобрали по похожему настроению. О чём ты сейчас думаешь?",
        ),
    },
}


def language_of(tag: str | None) -> str:
    """The opener language for a BCP 47 tag ("ru-RU" -> "ru"); English when not offered."""
    primary = (tag or "").split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else "en"


def choose_opener(shared: list[str], *, language: str, a: UUID, b: UUID, day: date) -> str:
    """A first line about the most shared emotion (any line when none is shared), picked
    among the written ones by the pair (in either order) and the day."""
    lines = OPENERS[language]
    pool = lines[shared[0]] if shared and shared[0] in lines else lines["none"]
    first, second = sorted((a, b))
    digest = hashlib.sha256(f"{first}:{second}:{day.isoformat()}".encode()).digest()
    return pool[int.from_bytes(digest[:4], "big") % len(pool)]

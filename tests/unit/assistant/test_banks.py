"""The packaged Smart Reply banks are complete, and a malformed bank is refused clearly."""

from __future__ import annotations

import pytest

from hubbub.contexts.assistant import Bank, BankError, Banks, Mode, load_banks
from hubbub.contexts.assistant.banks import parse_bank

VALID = """
language: en
neutral_advice: Answer in your own words.
neutral_why: nothing is clear.
acknowledge_advice: Acknowledge their feelings.
acknowledge_why: they sound upset.
hold_replies: ["Let me check and get back to you."]
quote: "They wrote: {{line}}"
notice_hold: "Replied for you: {{reply}}"
notice_declined: Not answered for you.
repeat_advice: They are asking again.
repeat_why: it is still unanswered.
intents: {intents}
"""

INTENT = """
  {name}:
    tone: positive
    mode: answer
    triggers: [a, b, c]
    replies: [x, y]
    advice: Do this.
    why: because.
"""


def bank_yaml(count: int = 60, intent: str = INTENT) -> str:
    return VALID.format(intents="".join(intent.format(name=f"i{n}") for n in range(count)))


@pytest.fixture(scope="module")
def banks() -> Banks:
    return load_banks()


def test_both_languages_are_packaged(banks: Banks) -> None:
    assert sorted(banks.by_language) == ["en", "ru"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_intent_is_complete(banks: Banks, language: str) -> None:
    bank = banks.bank(language)
    assert len(bank.intents) >= 60
    for intent in bank.intents.values():
        assert len(intent.triggers) >= 3
        assert len(intent.replies) >= 2
        assert intent.advice and intent.why


def test_languages_cover_the_same_intents(banks: Banks) -> None:
    assert set(banks.bank("en").intents) == set(banks.bank("ru").intents)


SENSITIVE = [
    "condolence", "health_news", "sick", "bad_news", "upset_with_me", "conflict_anger",
    "complaint", "sad_hurt", "stress_overwhelmed", "worry_fear", "apology_serious",
    "urgent", "crisis", "scam", "sympathy_received",
]  # fmt: skip
NEEDS_THE_OWNER = [
    "invitation", "scheduling_proposal", "reschedule_request", "confirm_plan", "ask_time",
    "ask_place", "plans_question", "request_for_help", "money_request", "ask_opinion",
    "question_info", "request_call", "payment_sent",
]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru"])
def test_sensitive_intents_only_advise(banks: Banks, language: str) -> None:
    intents = banks.bank(language).intents
    for name in SENSITIVE:
        assert intents[name].mode is Mode.NEVER, name
        assert not intents[name].autoreply


@pytest.mark.parametrize("language", ["en", "ru"])
def test_questions_for_the_owner_get_a_holding_answer(banks: Banks, language: str) -> None:
    bank = banks.bank(language)
    for name in NEEDS_THE_OWNER:
        assert bank.intents[name].mode is Mode.HOLD, name
    assert bank.hold_replies


def test_russian_bank_is_written_in_russian(banks: Banks) -> None:
    for intent in banks.bank("ru").intents.values():
        assert any("а" <= ch.lower() <= "я" for ch in intent.replies[0] + intent.advice)


def test_a_valid_synthetic_bank_parses() -> None:
    assert len(parse_bank(bank_yaml(), source="test").intents) == 60


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (bank_yaml(intent=INTENT.replace("[a, b, c]", "[a, b]")), "triggers"),
        (bank_yaml(intent=INTENT.replace("[x, y]", "[x]")), "replies"),
        (bank_yaml(intent=INTENT.replace("    why: because.\n", "")), "why"),
        (bank_yaml(intent=INTENT.replace("advice: Do this.", "advice: '  '")), "advice"),
        (bank_yaml(intent=INTENT.replace("positive", "cheerful")), "tone"),
        (bank_yaml(count=59), "intents"),
        (bank_yaml(intent=INTENT.replace("mode: answer", "mode: maybe")), "mode"),
        (bank_yaml(intent=INTENT.replace("[x, y]", "['{{m=a|f=b}}', y]")), "voice block"),
        ("intents: [unclosed", "not valid YAML"),
    ],
)
def test_a_malformed_bank_is_refused_with_a_clear_message(text: str, complaint: str) -> None:
    with pytest.raises(BankError, match="test") as raised:
        parse_bank(text, source="test")
    assert complaint in str(raised.value)


def test_banks_must_cover_the_same_intents() -> None:
    en = parse_bank(bank_yaml(), source="en")
    ru = parse_bank(bank_yaml(count=61).replace("language: en", "language: ru"), source="ru")
    with pytest.raises(ValueError, match="lacks intents: i60"):
        Banks(by_language={"en": en, "ru": ru})


def test_a_bank_filed_under_the_wrong_language_is_refused() -> None:
    en: Bank = parse_bank(bank_yaml(), source="en")
    with pytest.raises(ValueError, match="declares language 'en'"):
        Banks(by_language={"ru": en})

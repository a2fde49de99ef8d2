"""The owner's voice: gender and address templates, and the greeting and sign-off they use.
Pure; plus every Russian reply of the bank reads neutral by default."""

import re

import pytest

from hubbub.contexts.assistant import load_banks
from hubbub.contexts.assistant.voice import (
    Style,
    TemplateError,
    Voice,
    apply_style,
    check_template,
    is_formal,
    learn_style,
    render,
)


def test_gender_and_address_blocks() -> None:
    text = "{m=Понял|f=Поняла|n=Ясно}, давай{vy=те} завтра. Спасибо {ty=тебе|vy=вам}!"
    assert render(text, gender="neutral", formal=False) == "Ясно, давай завтра. Спасибо тебе!"
    assert render(text, gender="feminine", formal=True) == "Поняла, давайте завтра. Спасибо вам!"
    assert render(text, gender="masculine", formal=False).startswith("Понял,")


def test_a_gender_block_must_offer_every_gender() -> None:
    check_template("{m=рад|f=рада|n=здорово}")
    check_template("давай{vy=те}")
    with pytest.raises(TemplateError):
        check_template("{m=рад|f=рада}")
    with pytest.raises(TemplateError):
        check_template("{m=рад|vy=вам}")


def test_address_is_formal_when_they_say_vy() -> None:
    auto = Voice()
    assert is_formal(auto, ["Добрый день! Вам удобно в четверг?"])
    assert not is_formal(auto, ["привет, тебе удобно?"])
    assert not is_formal(auto, ["вы с Машей придёте? а ты?"])  # "вы" = you two
    assert is_formal(Voice(address="formal"), ["привет"])
    assert not is_formal(Voice(address="informal"), ["Вам удобно?"])


def test_the_owners_habitual_greeting_and_sign_off() -> None:
    style = learn_style(["Hey Sam, sure thing. Cheers", "Hey, done! Cheers", "ok"])
    assert style == Style(greeting="Hey", signoff="Cheers")
    assert apply_style("Hi! Good to hear from you.", style) == "Hey! Good to hear from you. Cheers"
    assert apply_style("Thank you!", style) == "Hey! Thank you! Cheers"


def test_no_habit_from_one_message_or_a_minority() -> None:
    assert learn_style(["Hey there. Cheers"]) == Style()
    lines = ["Hey, ok", "sure", "fine", "Hey again", "no", "yes"]
    assert learn_style(lines) == Style()  # 2 of 6: not a habit


# Past-tense and short-adjective forms that give the speaker a gender.
_GENDERED = re.compile(
    r"\b(?:рад|рада|понял|поняла|готов|готова|уверен|уверена|должен|должна|"
    r"\w+(?:ил|ал|ял|ел|ыл|ла))\b",
    re.IGNORECASE,
)
_ABOUT_OTHERS = {"была", "было", "пришла", "написала", "сказала", "напомнила", "дела"}


def test_every_russian_reply_is_gender_neutral_by_default() -> None:
    bank = load_banks().bank("ru")
    texts = [*bank.hold_replies]
    for intent in bank.intents.values():
        texts += [*intent.replies, *intent.holds]
    for text in texts:
        for formal in (False, True):
            rendered = render(text, gender="neutral", formal=formal)
            words = {w.lower() for w in _GENDERED.findall(rendered)} - _ABOUT_OTHERS
            assert not words, f"{rendered!r} speaks as a man or a woman: {words}"

"""The safety rules fire in both languages, and not on ordinary lines. Pure."""

import pytest

from hubbub.contexts.assistant.safety import Alarm, alarm

SCAMS = [
    "Please send me the 6-digit code we just texted you",
    "Reply with your card number, expiry date and CVV to claim it",
    "Your account has been suspended. Verify your identity at secure-login.example",
    "hi mum, this is my new number. can you send £500 to this account today?",
    "Your parcel is held. Pay the redelivery fee at parcel-fee.example",
    "Congratulations, you have won a voucher!",
    "I've been trading crypto, send me $300 and I'll triple it",
    "Назовите код из СМС, чтобы отменить операцию",
    "Пришлите номер карты и CVV",
    "Ваш аккаунт заблокирован, перейдите по ссылке",
    "мам, пишу с чужого номера, срочно переведи 20 тысяч",
    "Оплатите пошлину 300 руб по ссылке",
    "Вы выиграли iPhone!",
    "тебе сейчас придёт код, перешли мне его",
    "Your membership will be closed. Update your billing details at stream-billing.example.com",
    "Buy three gift cards and send me the codes, I'm stuck in a meeting",
    "Your savings are at risk, move them to a safe account today",
    "Ваш профиль будет удалён. Подтвердите данные по ссылке portal-check.ru",
    "Вы стали победителем акции! Осталось оплатить доставку",
    "Переведите сбережения на защищённый счёт",
    "Привет, это Оля, пишу с другого номера. Скинь 5000 до вечера, потом объясню",
]
CRISES = [
    "I don't want to live anymore",
    "everyone would be better off without me",
    "I keep thinking about killing myself",
    "я больше не хочу жить",
    "думаю покончить с собой",
    "всем будет лучше без меня",
    "I'm so tired of existing, what's even the point anymore",
    "honestly I just don't want to wake up tomorrow",
    "they'd be better off if I wasn't around",
    "устала жить, честно",
    "не вижу выхода, зачем всё это",
    "иногда хочется не просыпаться",
]
URGENT = ["I've had an accident, call me now", "срочно перезвони!", "мама в скорой"]
ORDINARY = [
    "can you send me the code review link when it's ready?",
    "thanks for the card, it was lovely",
    "my account of the trip is in the blog post",
    "did you end up going to the party?",
    "спасибо за открытку!",
    "какой у тебя код от домофона? мы у подъезда",
    "I'm dying to see the new film",
    "I'm tired of this weather, what's the point of an umbrella",
    "I can't go on the trip after all, sorry",
    "устала от работы, хочу в отпуск",
    "не вижу смысла ехать так рано",
    "can you confirm the details of the booking?",
    "I'll update the data in the spreadsheet tonight",
    "подтверди, пожалуйста, данные для брони",
    "my gift card from work finally arrived",
]


@pytest.mark.parametrize("line", SCAMS)
def test_scams_and_phishing(line: str) -> None:
    assert alarm([line]) is Alarm.SCAM


@pytest.mark.parametrize("line", CRISES)
def test_a_person_in_crisis(line: str) -> None:
    assert alarm([line]) is Alarm.CRISIS


@pytest.mark.parametrize("line", URGENT)
def test_emergencies(line: str) -> None:
    assert alarm([line]) is Alarm.URGENT


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_lines_raise_nothing(line: str) -> None:
    assert alarm([line]) is None


def test_a_scam_spread_over_two_lines() -> None:
    lines = ["hi dad it's me, this is my new number", "can you transfer 900 for a bill today?"]
    assert alarm(lines[:1]) is None
    assert alarm(lines) is Alarm.SCAM


def test_crisis_outranks_everything() -> None:
    assert alarm(["send me the code", "honestly I want to end it all"]) is Alarm.CRISIS

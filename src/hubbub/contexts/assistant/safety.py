"""Safety classifiers, in English and Russian: scams and phishing, a person in crisis, an
emergency. Pure rules, so they run before any model (the offline one and any
OpenAI-compatible endpoint alike) and can be read and tested one by one.

They look at the lines the other person wrote since the owner last wrote (a scam is often
spread over two lines: "this is my new number" ... "send £850 to this account"). A hit
means: warn or advise the owner, and never answer in their name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum


class Alarm(StrEnum):
    SCAM = "scam"  # codes, card details, urgent money, "your account is blocked", prizes
    CRISIS = "crisis"  # they may harm themselves
    URGENT = "urgent"  # an emergency: an accident, "call me now"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.DOTALL)


_SCAM = _any(
    # one-time codes and PINs
    r"\b(?:send|forward|tell|give|share|read|reply with|text)\b.{0,40}"
    r"\b(?:code|otp|pin|passcode|password|verification)\b(?!\s+(?:review|base|snippet))",
    r"\b(?:code|pin)\b.{0,30}\b(?:we|i)\b.{0,15}\b(?:sent|texted)\b",
    r"(?:назов|сообщ|продиктуй|перешл|пришл|скаж|отправ|скин)\w*.{0,40}"
    r"(?:код|парол|пин)",
    r"(?:код|пароль)\w*.{0,20}(?:из смс|из sms|из сообщения)",
    r"придёт код|придет код",
    # card details
    r"\bcard number\b|\bcvv\b|\bcvc\b|\bexpiry date\b|\bsort code\b",
    r"номер карты|данные карты|реквизиты карты|срок действия карты|cvv|(?:\d{4}[ -]?){3}\d{4}",
    # account blocked / verify
    r"\b(?:account|card|profile)\b.{0,40}\b(?:blocked|suspended|locked|closed|frozen)\b",
    r"\bverify (?:your )?(?:identity|account|details)\b",
    r"(?:аккаунт|учётн|учетн|карт|госуслуг|профил)\w*.{0,40}(?:заблокир|приостановл|блокир)",
    r"служба безопасности|security team|fraud department",
    # fees behind a link, prizes
    r"\b(?:pay|paid)\b.{0,40}\b(?:fee|duty|charge)\b.{0,60}(?:\blink\b|https?://|\w+\.\w{2,})",
    r"\b(?:redelivery|customs) fee\b",
    r"(?:оплатит|оплати|оплат)\w*.{0,40}(?:пошлин|доставк|по ссылке)",
    r"\byou(?:'ve| have)? won\b|\bclaim (?:your|the) (?:prize|reward|voucher)\b",
    r"вы выиграли|ваш выигрыш|получите приз",
    # urgent money from a "new number" / a stranger
    r"\bnew number\b.{0,200}\b(?:money|send|transfer|pay|£|\$|€)",
    r"(?:нов\w* номер|чуж\w* номер|с чужого|друг\w* номер|телефон\w* (?:сломал|потерял|разбил)"
    r"|стар\w* (?:номер|телефон) (?:потерял|сломал|разбил)).{0,200}"
    r"(?:деньг|переведи|скинь|тысяч|руб|₽)",
    # phishing: "confirm your details via the link", an account about to be deleted,
    # "safe accounts", gift-card codes, a prize draw, callers "from the police"
    r"\b(?:confirm|update|verify)\b.{0,30}\b(?:details|billing|data|information)\b.{0,60}"
    r"(?:\blink\b|https?://|\b[\w-]+\.(?:com|co|uk|net|info|online|site|shop|ru)\b)",
    r"\b(?:account|membership)\b.{0,40}\b(?:will be|has been) (?:deleted|closed|terminated)\b",
    r"\bsafe account\b|\bgift ?cards?\b.{0,80}\bcodes?\b",
    r"(?:подтверд|обнов|провер)\w*.{0,30}(?:данные|реквизиты).{0,60}(?:ссылк|https?://|\.ru\b)",
    r"(?:аккаунт|учётн|учетн|профил|счёт|счет)\w*.{0,40}(?:будет|был)\w* (?:удал|закрыт|заблок)",
    r"безопасн\w* сч[её]т|защищ[её]нн\w* сч[её]т|подарочн\w* карт\w*.{0,80}код",
    r"победител\w*.{0,40}(?:розыгрыш|акци|лотере)|(?:звонят|позвонят)\w* из (?:фсб|полиции|цб)",
    # "investments"
    r"\b(?:crypto|bitcoin|trading platform|forex)\b.{0,120}\b(?:send|invest|triple|double)\b",
    r"(?:крипт|бирж|инвест)\w*.{0,120}(?:переведи|вложи|утро|удво|подключу)",
)
_CRISIS = _any(
    r"\b(?:kill|killing|hurt|hurting|harm|harming) myself\b|\bsuicid",
    r"\bend(?:ing)? (?:it all|my life|it)\b",
    r"\bdon'?t want to (?:live|be alive|be here)\b|\bno (?:point|reason) (?:in )?living\b",
    r"\bbetter off without me\b|\bwant to disappear\b|\bwhat'?s the point of living\b",
    r"не хочу жить|покончить с собой|покончить со всем|всё это закончить|все это закончить",
    r"суицид|убить себя|навредить себе|лучше бы меня не было|лучше без меня",
    r"не вижу смысла (?:жить|в жизни)|хочу исчезнуть|жить не хочется",
    # passive ideation: tired of living, not wanting to wake up, no way out, goodbyes
    r"\b(?:tired|sick) of (?:living|existing|being alive|life)\b",
    r"\bwhat'?s (?:even )?the point (?:anymore|of anything|of it all|of going on)\b",
    r"\b(?:can'?t|cannot) go on(?:\s*(?:$|[.!,]|like this|anymore|living))",
    r"\bno way out\b|\bwish i (?:was|were) dead\b",
    r"\bdon'?t want to (?:wake up|exist|go on)\b|\bnot wake up\b|\bwant to die\b",
    r"\b(?:take|taking) my (?:own )?life\b|\bwon'?t be (?:around|here) (?:much longer|anymore)\b",
    r"\b(?:if|when) i(?:'m| am) gone\b|\bgoodbye (?:everyone|forever)\b",
    r"\bwould(?:n'?t)? (?:even )?notice if i (?:was|were)n'?t\b",
    r"\b(?:better off|happier) (?:if|when) i(?:'m| am)? ?(?:was|were)?n'?t (?:around|here)\b",
    r"\b(?:everyone|they)(?:'d| would) be better off\b",
    r"не хочу (?:больше )?(?:жить|просыпаться|существовать)",
    r"(?:хочется|хочу) не просыпаться|не хочется (?:больше )?просыпаться",
    r"устал\w* (?:жить|существовать|от жизни)|надоело жить|хочу умереть",
    r"нет смысла (?:жить|дальше|больше)|не вижу выхода|выхода нет|не могу так больше жить",
    r"лучше бы я (?:умер|умерла|не родил)|(?:всем|им) (?:будет|станет) лучше,? если меня не",
    r"наглотаться таблеток|шагнуть из окна|прощайте,? (?:все|навсегда)|меня скоро не будет",
)
_URGENT = _any(
    r"\b(?:call|ring) me\b.{0,15}\b(?:now|asap|right away|immediately)\b",
    r"\b(?:emergency|ambulance|accident|a&e)\b",
    r"(?:позвони|перезвони|набери)\w*.{0,15}срочно|срочно.{0,15}(?:позвони|перезвони|набери)",
    r"авари|скорой|скорую|неотложк|в реанимаци",
)


def alarm(lines: Sequence[str]) -> Alarm | None:
    """The most serious alarm raised by the other person's recent lines, if any."""
    text = "\n".join(lines)
    if _CRISIS.search(text):
        return Alarm.CRISIS
    if _SCAM.search(text):
        return Alarm.SCAM
    if _URGENT.search(text):
        return Alarm.URGENT
    return None

"""The Smart Reply banks: curated intents with triggers, replies and advice, per language.

The data lives in ``bank_data/<lang>.yaml`` (package data, read with importlib.resources so
it works from an installed wheel). Pydantic validates every bank on load, so a typo in
the YAML fails loudly at start-up with the offending path instead of producing odd
suggestions at run time.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hubbub.contexts.assistant.voice import check_template

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

MIN_TRIGGERS = 3
MIN_REPLIES = 2
MIN_INTENTS = 60
PACKAGED_LANGUAGES = ("en", "ru")


class BankError(ValueError):
    """A bank file is missing, not YAML, or does not match the schema."""


class Tone(StrEnum):
    """How a message feels; used to keep replies appropriate (no cheer for bad news)."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    URGENT = "urgent"


class Mode(StrEnum):
    """What an autoreply may do with a message of an intent."""

    ANSWER = "answer"  # a ready reply that invents nothing ("You're welcome!")
    HOLD = "hold"  # the owner's knowledge or decision is needed: a holding answer
    NEVER = "never"  # grief, conflict, health, distress, crisis, scams: advice only
    SILENT = "silent"  # nothing needs an answer ("ok", "haha", small talk)


class Intent(BaseModel):
    """One thing the other person may mean, and how the owner might respond."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tone: Tone
    mode: Mode
    triggers: tuple[Text, ...] = Field(min_length=MIN_TRIGGERS)
    # What the owner could send (advice's suggested reply; an `answer` intent's autoreply).
    replies: tuple[Text, ...] = Field(min_length=MIN_REPLIES)
    holds: tuple[Text, ...] = ()  # this intent's own holding answers (default: the bank's)
    advice: Text
    why: Text

    @model_validator(mode="after")
    def _voice_templates(self) -> Intent:
        for text in (*self.replies, *self.holds):
            check_template(text)
        return self

    @property
    def autoreply(self) -> bool:
        """Whether an autoreply may ever be sent for it (a ready reply or a holding one)."""
        return self.mode in (Mode.ANSWER, Mode.HOLD)


class Bank(BaseModel):
    """All intents of one language, plus the advice given when nothing is clear."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Text
    neutral_advice: Text
    neutral_why: Text
    acknowledge_advice: Text
    acknowledge_why: Text
    hold_replies: tuple[Text, ...] = Field(min_length=1)  # "I'll check and get back to you"
    quote: Text  # shows the owner the line a holding answer answered: "They wrote: “{line}”"
    notice_hold: Text  # the owner's notice after a holding autoreply ("{reply}")
    notice_declined: Text  # the owner's notice when a message is left to them
    repeat_advice: Text  # a question asked again while unanswered
    repeat_why: Text
    intents: dict[Text, Intent] = Field(min_length=MIN_INTENTS)


class Banks(BaseModel):
    """The banks of every supported language; they must cover the same intent ids."""

    model_config = ConfigDict(frozen=True)

    by_language: dict[str, Bank]

    @model_validator(mode="after")
    def _same_intents_everywhere(self) -> Banks:
        # A missing translation would make the assistant's competence depend on the
        # language of the chat; refuse that at load time.
        ids = {lang: set(bank.intents) for lang, bank in self.by_language.items()}
        union = set().union(*ids.values()) if ids else set()
        for lang, have in ids.items():
            if missing := sorted(union - have):
                raise ValueError(f"bank {lang!r} lacks intents: {', '.join(missing)}")
        for lang, bank in self.by_language.items():
            if bank.language != lang:
                raise ValueError(f"bank filed as {lang!r} declares language {bank.language!r}")
        return self

    def bank(self, language: str) -> Bank:
        """The bank for ``language``."""
        return self.by_language[language]


def parse_bank(text: str, *, source: str) -> Bank:
    """Parse and validate one bank from YAML text; ``source`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BankError(f"{source}: not valid YAML: {exc}") from exc
    try:
        return Bank.model_validate(data)
    except ValidationError as exc:
        raise BankError(f"{source}: malformed bank:\n{exc}") from exc


def load_banks(languages: tuple[str, ...] = PACKAGED_LANGUAGES) -> Banks:
    """Load the banks shipped with the package."""
    folder = resources.files("hubbub.contexts.assistant") / "bank_data"
    loaded: dict[str, Bank] = {}
    for lang in languages:
        source = f"bank_data/{lang}.yaml"
        try:
            text = (folder / f"{lang}.yaml").read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise BankError(f"{source}: no such bank") from exc
        loaded[lang] = parse_bank(text, source=source)
    try:
        return Banks(by_language=loaded)
    except ValidationError as exc:
        raise BankError(f"inconsistent banks:\n{exc}") from exc

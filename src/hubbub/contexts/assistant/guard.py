"""The guard: the rules that hold whatever model answers, checked locally before any model
call (the offline one or an OpenAI-compatible endpoint).

- A scam or phishing attempt, or someone who may be in crisis: the owner is warned (advice
  or an autoreply's notice, kind `warning`) with specific wording, and nothing is sent in
  their name. The model is not asked at all.
- An autoreply to a sensitive moment (grief, reproach, conflict, health news, emergencies,
  distress, or a line coloured by such news): nothing is sent; the owner gets a notice
  with advice instead.

Everything else goes to the model.
"""

from __future__ import annotations

from hubbub.contexts.assistant.banks import Mode
from hubbub.contexts.assistant.conversation import Line
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.ports import Answer, Prompt
from hubbub.contexts.assistant.smart_reply import SmartReply

ALARMS = frozenset({"scam", "crisis"})


class Guard:
    def __init__(self, model: LocalModel) -> None:
        self._model = model

    async def check(self, prompt: Prompt) -> Answer | None:
        """The guard's own answer when a rule applies, else None (ask the model)."""
        lines = lines_of(prompt)
        return await self._model.run(lambda model: verdict(model, prompt, lines))


def lines_of(prompt: Prompt) -> list[Line]:
    return [Line(t.from_owner, t.text, t.ai_generated) for t in prompt.turns]


def verdict(model: SmartReply, prompt: Prompt, lines: list[Line]) -> Answer | None:
    """The guard's answer for `prompt` (pure over the loaded model)."""
    advice = model.advise(lines, prompt.voice)
    bank = model.bank(advice.language)
    alarm = advice.alarm if advice.alarm in ALARMS else None
    text = f"{advice.text} — {advice.why}" if advice.why else advice.text
    if alarm is not None:
        if prompt.kind == "advice":
            return Answer(text=text, reason=advice.why, intent=advice.intent, alarm=alarm)
        return Answer(
            text="", notice=f"{bank.notice_declined} {text}", intent=advice.intent, alarm=alarm
        )
    if prompt.kind != "autoreply":
        return None
    focus = model.understand(lines)
    sensitive = focus.intent is not None and bank.intents[focus.intent].mode is Mode.NEVER
    if focus.reading is not None and (sensitive or focus.sticky or focus.alarm):
        return Answer(
            text="",
            notice=f"{bank.notice_declined} {text}",
            intent=advice.intent,
            alarm=advice.alarm,
        )
    return None

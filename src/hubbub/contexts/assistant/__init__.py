"""assistant: AI bindings, threads, advice and autoreplies, and the models behind them.

A member binds the assistant to their side of a chat. Stored messages reach the assistant
over the bus; each binding that reacts gets a job; the job asks a model (offline Smart Reply
by default, or any OpenAI-compatible endpoint) and ends as private advice or a reply posted
in the member's name, marked AI-generated.
"""

from hubbub.contexts.assistant.api import (
    AdviceList,
    AdviceView,
    AssistantApi,
    BindingType,
    BindingView,
)
from hubbub.contexts.assistant.banks import Bank, BankError, Banks, Intent, Mode, Tone, load_banks
from hubbub.contexts.assistant.events import AdviceRequested, AutoreplyRequested
from hubbub.contexts.assistant.smart_reply import Line, SmartReply, Suggestion

__all__ = [
    "AdviceList",
    "AdviceRequested",
    "AdviceView",
    "AssistantApi",
    "AutoreplyRequested",
    "Bank",
    "BankError",
    "Banks",
    "BindingType",
    "BindingView",
    "Intent",
    "Line",
    "Mode",
    "SmartReply",
    "Suggestion",
    "Tone",
    "load_banks",
]

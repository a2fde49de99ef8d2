"""The set of context APIs a process holds, local or remote; routes reach them from here."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from hubbub.contexts.assistant import AssistantApi
    from hubbub.contexts.auth import AuthApi
    from hubbub.contexts.chats import ChatsApi
    from hubbub.contexts.diary import DiaryApi
    from hubbub.contexts.matching import MatchingApi
    from hubbub.contexts.messages import MessagesApi
    from hubbub.contexts.users import UsersApi
    from hubbub.kernel.ports import RateLimit


@dataclass
class Apis:
    auth: "AuthApi"
    users: "UsersApi"
    chats: "ChatsApi"
    messages: "MessagesApi"
    assistant: "AssistantApi"
    rate_limiter: "RateLimit"
    diary: "DiaryApi | None" = None
    matching: "MatchingApi | None" = None


def apis(connection: HTTPConnection) -> Apis:
    """The APIs of the app serving this request (set by `create_app`)."""
    found: Apis = connection.app.state.apis
    return found

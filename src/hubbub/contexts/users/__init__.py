"""users: profiles, search, the discoverable flag."""

from hubbub.contexts.users.api import (
    NewUser,
    PresenceLookup,
    ProfileUpdate,
    UserRecord,
    UsersApi,
    UserView,
)

__all__ = ["NewUser", "PresenceLookup", "ProfileUpdate", "UserRecord", "UserView", "UsersApi"]

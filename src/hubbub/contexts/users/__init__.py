"""users: profiles, search, the discoverable flag."""

from hubbub.contexts.users.api import (
    NewUser,
    OwnProfile,
    PresenceLookup,
    ProfileUpdate,
    UserRecord,
    UsersApi,
    UserView,
)

__all__ = [
    "NewUser",
    "OwnProfile",
    "PresenceLookup",
    "ProfileUpdate",
    "UserRecord",
    "UserView",
    "UsersApi",
]

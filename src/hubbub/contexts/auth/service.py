"""LocalAuthApi: registration, login and token checks in this process."""

import asyncio

from hubbub.contexts.auth import model
from hubbub.contexts.auth.api import (
    LoginRequest,
    Principal,
    RegisteredUser,
    RegisterRequest,
    TokenGrant,
    TokenUser,
)
from hubbub.contexts.auth.ports import CredentialStore, PasswordHasher
from hubbub.contexts.users import NewUser, UsersApi
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Invalid, Unauthorized

_BAD_CREDENTIALS = "wrong username or password"


class LocalAuthApi:
    def __init__(
        self,
        *,
        users: UsersApi,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        secret: str,
        ttl_seconds: int,
        clock: Clock,
    ) -> None:
        self._users = users
        self._credentials = credentials
        self._hasher = hasher
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock
        # Verifying against this when the user is unknown keeps both failures equally slow.
        self._decoy_hash = hasher.hash("decoy-password-for-timing")

    async def register(self, *, request: RegisterRequest) -> RegisteredUser:
        """Create the profile, then its credentials; undo the profile if the second step fails."""
        model.check_password(request.password)
        password_hash = await asyncio.to_thread(self._hasher.hash, request.password)
        user = await self._users.create(
            new=NewUser(
                username=request.username, display_name=request.display_name, email=request.email
            )
        )
        try:
            await self._credentials.set_password_hash(user.id, password_hash)
        except BaseException:
            await self._users.delete(user_id=user.id)
            raise
        return RegisteredUser(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            created_at=user.created_at,
        )

    async def login(self, *, request: LoginRequest) -> TokenGrant:
        """A token for valid credentials; the same Unauthorized for every kind of mismatch."""
        if not request.username and not request.email:
            raise Invalid("username: required (or email)", code="validation_error")
        user = await self._users.find_login(username=request.username, email=request.email)
        stored = await self._credentials.password_hash(user.id) if user else None
        valid = await asyncio.to_thread(
            self._hasher.verify, request.password, stored or self._decoy_hash
        )
        if user is None or stored is None or not valid:
            raise Unauthorized(_BAD_CREDENTIALS, code="invalid_credentials")
        token = model.issue_token(
            user_id=user.id,
            username=user.username,
            secret=self._secret,
            now=self._clock.now(),
            ttl_seconds=self._ttl,
        )
        return TokenGrant(
            token=token,
            expires_in=self._ttl,
            user=TokenUser(id=user.id, username=user.username, display_name=user.display_name),
        )

    def authenticate(self, token: str) -> Principal:
        """The principal of a token we signed that has not expired."""
        user_id, username = model.read_token(token, secret=self._secret, now=self._clock.now())
        return Principal(user_id=user_id, username=username)

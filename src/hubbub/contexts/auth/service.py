"""LocalAuthApi: registration, login, sessions and account deletion in this process."""

import asyncio
from uuid import UUID

import structlog

from hubbub.contexts.auth import model
from hubbub.contexts.auth.api import (
    MAX_PASSWORD_INPUT,
    AccountDeletion,
    Credentials,
    PasswordChange,
    Principal,
    RegisteredUser,
    Registration,
    TokenGrant,
    TokenUser,
)
from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.auth.ports import CredentialStore, PasswordHasher
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.users import NewUser, UsersApi
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Forbidden, Invalid, Unauthorized
from hubbub.kernel.ids import new_id

log = structlog.get_logger(__name__)

_BAD_CREDENTIALS = "wrong username or password"


class LocalAuthApi:
    def __init__(
        self,
        *,
        users: UsersApi,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        sessions: SessionGate,
        secret: str,
        ttl_seconds: int,
        clock: Clock,
    ) -> None:
        self._users = users
        self._credentials = credentials
        self._hasher = hasher
        self._sessions = sessions
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock
        # Verifying against this when the user is unknown keeps both failures equally slow.
        self._decoy_hash = hasher.hash("decoy-password-for-timing")

    async def register(self, *, registration: Registration) -> RegisteredUser:
        """Create the profile, then its credentials; undo the profile if the second step fails."""
        request = registration
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

    async def login(self, *, credentials: Credentials) -> TokenGrant:
        """A token of a new session for valid credentials; the same Unauthorized for every
        kind of mismatch."""
        request = credentials
        if len(request.password) > MAX_PASSWORD_INPUT:
            raise Invalid(
                f"password: at most {MAX_PASSWORD_INPUT} characters", code="validation_error"
            )
        if not request.username and not request.email:
            raise Invalid("username: required (or email)", code="validation_error")
        user = await self._users.find_login(username=request.username, email=request.email)
        stored = await self._credentials.password_hash(user.id) if user else None
        valid = await asyncio.to_thread(
            self._hasher.verify, request.password, stored or self._decoy_hash
        )
        if user is None or stored is None or not valid:
            raise Unauthorized(_BAD_CREDENTIALS, code="invalid_credentials")
        session = model.new_session(
            session_id=new_id(), user_id=user.id, now=self._clock.now(), ttl_seconds=self._ttl
        )
        await self._credentials.add_session(session)
        token = model.issue_token(session=session, username=user.username, secret=self._secret)
        return TokenGrant(
            token=token,
            expires_in=self._ttl,
            user=TokenUser(id=user.id, username=user.username, display_name=user.display_name),
        )

    async def authenticate(self, token: str) -> Principal:
        """The principal of a token we signed, not expired, whose session is live (which a
        token of a user who does not exist here never is)."""
        claims = model.read_token(token, secret=self._secret, now=self._clock.now())
        principal = Principal(
            user_id=claims.user_id, username=claims.username, session_id=claims.session_id
        )
        await self.check_session(principal=principal)
        return principal

    async def check_session(self, *, principal: Principal) -> None:
        """Unauthorized unless the session is live and the token's user's."""
        if await self._sessions.owner(principal.session_id) != principal.user_id:
            raise model.session_ended()

    async def logout(self, *, principal: Principal) -> None:
        """End this session."""
        ended = await self._credentials.end_sessions(principal.user_id, only=principal.session_id)
        await self._sessions.ended(principal.user_id, ended)

    async def logout_all(self, *, principal: Principal) -> None:
        """End every session of the user."""
        ended = await self._credentials.end_sessions(principal.user_id)
        await self._sessions.ended(principal.user_id, ended)

    async def change_password(self, *, principal: Principal, change: PasswordChange) -> None:
        """A new password; every other session ends, this one goes on."""
        await self._check_password(principal.user_id, change.old_password, "old_password")
        model.check_password(change.new_password, field="new_password")
        new_hash = await asyncio.to_thread(self._hasher.hash, change.new_password)
        ended = await self._credentials.change_password(
            principal.user_id, new_hash, keep=principal.session_id
        )
        await self._sessions.ended(principal.user_id, ended)

    async def delete_account(self, *, principal: Principal, deletion: AccountDeletion) -> None:
        """Credentials and sessions go now, in one transaction with the `user.deleted` event
        that tells the other contexts to erase what they keep of the person."""
        await self._check_password(principal.user_id, deletion.password, "password")
        event = UserDeleted(user_id=principal.user_id, deleted_at=self._clock.now())
        ended = await self._credentials.erase_account(principal.user_id, [event])
        await self._sessions.ended(principal.user_id, ended)
        log.info("account_deleted", user_id=str(principal.user_id))

    async def _check_password(self, user_id: UUID, password: str, field: str) -> None:
        """Forbidden (not Unauthorized: the session is fine) unless `password` is the user's."""
        stored = await self._credentials.password_hash(user_id)
        valid = await asyncio.to_thread(self._hasher.verify, password, stored or self._decoy_hash)
        if stored is None or not valid:
            raise Forbidden(f"{field}: wrong password", code="wrong_password")

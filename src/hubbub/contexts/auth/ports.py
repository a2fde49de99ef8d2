"""What the auth context needs."""

from typing import Protocol
from uuid import UUID


class CredentialStore(Protocol):
    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    async def password_hash(self, user_id: UUID) -> str | None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, password_hash: str) -> bool: ...

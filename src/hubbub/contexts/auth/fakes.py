"""In-memory auth ports for unit tests."""

from uuid import UUID


class InMemoryCredentialStore:
    def __init__(self) -> None:
        self.hashes: dict[UUID, str] = {}

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self.hashes[user_id] = password_hash

    async def password_hash(self, user_id: UUID) -> str | None:
        return self.hashes.get(user_id)


class ReversibleHasher:
    """A fast stand-in for argon2 in unit tests (never used outside them)."""

    def hash(self, password: str) -> str:
        return "plain$" + password

    def verify(self, password: str, password_hash: str) -> bool:
        return password_hash == "plain$" + password

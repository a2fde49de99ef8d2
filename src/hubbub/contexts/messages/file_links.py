"""Short-lived signed links to shared files: HMAC-SHA256 over (file, variant, expiry).

Links are handed only to members (in message objects, file lists and upload answers, each
read afresh), and they expire (`HUBBUB_FILE_LINK_SECONDS`), so `<img src>` works without a
token while a link copied out of a chat stops working within minutes. The key is derived from
the JWT secret, so every gateway of a deployment verifies the links of the others.
"""

import hashlib
import hmac
import math
from uuid import UUID

from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Forbidden

VARIANTS = ("original", "thumbnail")


class FileLinks:
    def __init__(self, *, secret: str, ttl_seconds: float, clock: Clock) -> None:
        self._key = hmac.new(secret.encode(), b"hubbub file links v1", hashlib.sha256).digest()
        self._ttl = ttl_seconds
        self._clock = clock

    def url(self, file_id: UUID, variant: str = "original") -> str:
        """A link to one variant of a file, valid for the configured time."""
        expires = math.ceil(self._clock.now().timestamp() + self._ttl)
        signature = self._sign(file_id, variant, expires)
        return f"/api/v1/files/{file_id}/{variant}?exp={expires}&sig={signature}"

    def check(self, file_id: UUID, variant: str, expires: int, signature: str) -> None:
        """Forbidden unless the link is genuine and not expired."""
        wanted = self._sign(file_id, variant, expires)
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged link may hold
        # any), and that must be a 403 like any other forgery.
        given = signature.encode("utf-8", "replace")
        if variant not in VARIANTS or not hmac.compare_digest(wanted.encode(), given):
            raise Forbidden("this file link is not valid", code="invalid_file_link")
        if self._clock.now().timestamp() > expires:
            raise Forbidden("this file link has expired", code="file_link_expired")

    def _sign(self, file_id: UUID, variant: str, expires: int) -> str:
        message = f"{file_id}:{variant}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

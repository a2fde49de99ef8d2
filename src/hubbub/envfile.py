"""`hubbub init-env`: a `.env` holding one fresh JWT secret, and for a scaled-out deployment the
URLs every process shares, so that processes started from separate shells in this directory
sign and accept the same tokens. Settings reads `.env` from the working directory; variables
set in the environment win over it."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/hubbub"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Shared:
    """What the processes of one deployment must agree on."""

    jwt_secret: str
    database_url: str | None = None
    redis_url: str | None = None
    bus_url: str | None = None

    @classmethod
    def fresh(
        cls,
        *,
        scale_out: bool = False,
        database_url: str | None = None,
        redis_url: str | None = None,
        bus_url: str | None = None,
    ) -> "Shared":
        """A new secret; `scale_out` fills in local PostgreSQL and Redis for what is not given."""
        if scale_out:
            database_url = database_url or LOCAL_POSTGRES
            redis_url = redis_url or LOCAL_REDIS
        return cls(
            jwt_secret=secrets.token_urlsafe(48),
            database_url=database_url,
            redis_url=redis_url,
            bus_url=bus_url or redis_url,
        )

    def render(self) -> str:
        """The file's text, each setting with what it is for."""
        lines = [
            "# hubbub settings, read by every `hubbub` started in this directory (variables",
            "# set in the environment win). Written by `hubbub init-env`: keep it private.",
            "",
            "# Signs and checks login tokens: every process of one deployment needs the same.",
            f"HUBBUB_JWT_SECRET={self.jwt_secret}",
        ]
        if self.database_url:
            lines += ["", "# The database every process shares (`hubbub db upgrade` once)."]
            lines.append(f"HUBBUB_DATABASE_URL={self.database_url}")
        if self.redis_url:
            lines += ["", "# Presence, rate limits, caches, and live fan-out between gateways."]
            lines += [f"HUBBUB_REDIS_URL={self.redis_url}", f"HUBBUB_FANOUT_URL={self.redis_url}"]
        if self.bus_url:
            lines += ["", "# The durable bus (redis:// Streams or kafka://host:port)."]
            lines.append(f"HUBBUB_BUS_URL={self.bus_url}")
        return "\n".join(lines) + "\n"


def write_env_file(path: Path, shared: Shared, *, force: bool = False) -> None:
    """Write `shared` to `path`, readable by its owner only. An existing file is kept unless
    `force`: replacing its secret would sign out every user of the deployment."""
    if path.exists() and not force:
        raise FileExistsError(
            f"{path} exists: it may hold the secret your processes share (replacing it signs "
            "everyone out). Edit it, or pass --force to write a new one."
        )
    # Created with owner-only permissions, so the secret is never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(shared.render())
    path.chmod(0o600)

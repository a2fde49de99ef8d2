"""Settings: environment (`HUBBUB_*`) first, then `.env`, then an optional YAML file."""

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class Settings(BaseSettings):
    """Every knob of hubbub. Defaults give the embedded, one-process system."""

    model_config = SettingsConfigDict(env_prefix="HUBBUB_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".hubbub")
    database_url: str | None = None
    fanout_url: str = "memory://"
    bus_url: str = "memory://"
    redis_url: str | None = None
    # Prefix of every Redis key, stream, pub/sub channel and Kafka topic/group of this
    # deployment, so that several deployments (or test runs) can share one Redis or broker.
    redis_namespace: str = Field(default="hubbub", pattern=r"^[A-Za-z0-9_.-]+$")
    bus_partitions: int = Field(default=8, ge=1, le=256)
    presence_ttl_seconds: float = Field(default=45.0, gt=0)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    matching_refresh_seconds: float = Field(default=300.0, ge=5, le=86400)
    """How often each gateway rebuilds its matching index from the diary's timeline."""

    jwt_secret: str | None = None
    jwt_ttl_seconds: int = Field(default=86400, ge=60)

    # Sustained rates, and how many may arrive back to back on top of that pace (see
    # infra/ratelimit/memory.py): over any minute at most the rate plus the burst.
    rate_limit_per_minute: int = Field(default=100, ge=1)
    rate_limit_burst: int = Field(default=20, ge=1)
    ws_rate_limit_per_minute: int = Field(default=1200, ge=1)
    ws_rate_limit_burst: int = Field(default=60, ge=1)

    ws_max_frame_bytes: int = 64 * 1024
    ws_send_queue: int = Field(default=512, ge=8)
    ws_heartbeat_seconds: float = Field(default=20.0, gt=0)
    ws_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    http_max_body_bytes: int = 1024 * 1024

    # Web origins other than this server's own allowed to call the API and open sockets
    # (comma-separated `scheme://host[:port]`); empty: same origin only.
    cors_origins: str = ""
    # Serve HTTPS (and wss://) directly with this certificate chain and key (PEM files).
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    # Strict-Transport-Security max-age on HTTPS answers (served here or by a trusted proxy
    # that says so in X-Forwarded-Proto); 0 sends none.
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or networks, `*` for any).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Messages: how long after sending a message its sender may edit it.
    message_edit_window_seconds: float = Field(default=48 * 3600, gt=0)
    # Shared files: where the bytes go (unset: `<data dir>/files`; `s3://bucket` scaled out),
    # the largest upload, and how long a signed download link works.
    blob_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    file_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    file_link_seconds: float = Field(default=900, gt=0)

    sqlite_synchronous: Literal["NORMAL", "FULL"] = "FULL"
    migrate_on_start: bool | None = None
    shutdown_grace_seconds: float = 10.0

    # The AI assistant: `local` is the offline Smart Reply model shipped in the package;
    # `openai` is any OpenAI-compatible /v1/chat/completions endpoint.
    ai_provider: Literal["local", "openai"] = "local"
    ai_base_url: str | None = None
    ai_model: str | None = None
    ai_api_key: str | None = None
    ai_timeout_seconds: float = Field(default=20.0, gt=0)
    ai_calls_per_minute: int = Field(default=20, ge=1)
    ai_calls_per_day: int = Field(default=500, ge=1)
    ai_calls_burst: int = Field(default=10, ge=1)

    # Services over gRPC (README, "Services over gRPC"). A context whose peer is set is called
    # at that address (`host:port`, `dns:///name:port`, or `ip:port,ip:port`); a context with
    # no peer runs in the process that needs it.
    peers_auth: str | None = None
    peers_users: str | None = None
    peers_chats: str | None = None
    peers_messages: str | None = None
    peers_notification: str | None = None
    peers_assistant: str | None = None
    # The gRPC port of a role that serves contexts (`hubbub serve users --grpc-port`).
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    rpc_deadline_seconds: float = Field(default=2.0, gt=0)
    rpc_idempotency_ttl_seconds: float = Field(default=300.0, gt=0)
    rpc_breaker_threshold: int = Field(default=5, ge=1)
    rpc_breaker_recovery_seconds: float = Field(default=10.0, gt=0)
    # TLS between services (PEM files). Server side: its certificate and key, and the CA of
    # the client certificates it requires (mutual TLS). Client side: the CA its peers'
    # certificates are checked against, and its own certificate and key for mutual TLS.
    rpc_tls_cert: Path | None = None
    rpc_tls_key: Path | None = None
    rpc_tls_client_ca: Path | None = None
    rpc_tls_ca: Path | None = None
    rpc_tls_client_cert: Path | None = None
    rpc_tls_client_key: Path | None = None

    log_level: str = "info"
    # `auto`: a readable console format when stderr is a terminal, JSON lines otherwise.
    log_format: Literal["json", "console", "auto"] = "auto"

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def effective_database_url(self) -> str:
        """The configured database, or SQLite inside the data dir (the embedded default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hubbub.db').resolve()}"

    @property
    def bus_in_process(self) -> bool:
        """The bus is this process's memory (`memory://`): it forgets what it held on exit."""
        return self.bus_url.startswith("memory:")

    @property
    def peers(self) -> dict[str, str]:
        """The contexts this process calls over gRPC, by name, with their addresses."""
        named = {
            "auth": self.peers_auth,
            "users": self.peers_users,
            "chats": self.peers_chats,
            "messages": self.peers_messages,
            "notification": self.peers_notification,
            "assistant": self.peers_assistant,
        }
        return {context: address for context, address in named.items() if address}

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def should_migrate_on_start(self) -> bool:
        """Embedded SQLite migrates itself; shared databases migrate once (`hubbub db upgrade`)."""
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.is_sqlite

    @model_validator(mode="after")
    def _tls_files_go_together(self) -> "Settings":
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("HUBBUB_TLS_CERTFILE and HUBBUB_TLS_KEYFILE go together")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _YamlSource(settings_cls),
            file_secret_settings,
        )


class _YamlSource(PydanticBaseSettingsSource):
    """Reads the YAML file named by `HUBBUB_CONFIG_FILE`, if any (lowest priority)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import os

        path = os.environ.get("HUBBUB_CONFIG_FILE")
        if not path:
            return {}
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a mapping of settings")
        return {str(key).lower(): value for key, value in loaded.items()}

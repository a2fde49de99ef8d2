"""`hubbub init-env`: one fresh secret (and the shared URLs) in a private `.env` that Settings
reads, never overwriting a file that may hold the secret a deployment already shares."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hubbub.cli import main
from hubbub.envfile import LOCAL_POSTGRES, LOCAL_REDIS
from hubbub.settings import Settings


@pytest.fixture(autouse=True)
def in_empty_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "HUBBUB_JWT_SECRET",
        "HUBBUB_DATABASE_URL",
        "HUBBUB_REDIS_URL",
        "HUBBUB_FANOUT_URL",
        "HUBBUB_BUS_URL",
        "HUBBUB_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_a_secret_that_settings_read(capsys: pytest.CaptureFixture[str]) -> None:
    main(["init-env"])
    env = Path(".env")
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    settings = Settings()
    assert settings.jwt_secret and len(settings.jwt_secret) >= 64
    assert settings.is_sqlite  # nothing else was asked for
    assert f"wrote .env (HUBBUB_JWT_SECRET): every hubbub started in {Path.cwd()}" in (
        capsys.readouterr().out
    )


def test_scale_out_shares_the_database_redis_and_bus() -> None:
    main(["init-env", "--scale-out"])
    settings = Settings()
    assert settings.database_url == LOCAL_POSTGRES
    assert settings.redis_url == settings.fanout_url == settings.bus_url == LOCAL_REDIS


def test_given_urls_are_written() -> None:
    main(
        [
            "init-env",
            "--file",
            "prod.env",
            "--database-url",
            "postgresql+asyncpg://app:pw@db/chat",
            "--redis-url",
            "redis://cache:6379/1",
            "--bus-url",
            "kafka://broker:9092",
        ]
    )
    text = Path("prod.env").read_text()
    assert "HUBBUB_DATABASE_URL=postgresql+asyncpg://app:pw@db/chat\n" in text
    assert "HUBBUB_FANOUT_URL=redis://cache:6379/1\n" in text
    assert "HUBBUB_BUS_URL=kafka://broker:9092\n" in text


def test_an_existing_file_is_kept_unless_forced(capsys: pytest.CaptureFixture[str]) -> None:
    main(["init-env"])
    first = Settings().jwt_secret
    with pytest.raises(SystemExit) as stopped:
        main(["init-env"])
    assert "exists" in str(stopped.value.code) and "--force" in str(stopped.value.code)
    assert Settings().jwt_secret == first
    main(["init-env", "--force"])
    assert Settings().jwt_secret != first


def test_the_environment_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    main(["init-env"])
    monkeypatch.setenv("HUBBUB_JWT_SECRET", "from-the-environment")
    assert Settings().jwt_secret == "from-the-environment"

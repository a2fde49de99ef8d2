"""Settings: environment first, then `.env`, then the YAML file named by HUBBUB_CONFIG_FILE."""

from pathlib import Path

import pytest

from hubbub.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("HUBBUB_CONFIG_FILE", "HUBBUB_RATE_LIMIT_PER_MINUTE", "HUBBUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_give_the_embedded_system(tmp_path: Path) -> None:
    settings = Settings()

    assert settings.is_sqlite
    assert settings.effective_database_url.endswith(".hubbub/hubbub.db")
    assert settings.should_migrate_on_start
    assert (settings.fanout_url, settings.bus_url) == ("memory://", "memory://")
    assert settings.rate_limit_per_minute == 100


def test_a_yaml_file_fills_in_what_the_environment_leaves_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "hubbub.yaml"
    config.write_text("rate_limit_per_minute: 7\nWS_RATE_LIMIT_PER_MINUTE: 70\n")
    monkeypatch.setenv("HUBBUB_CONFIG_FILE", str(config))
    monkeypatch.setenv("HUBBUB_WS_RATE_LIMIT_PER_MINUTE", "700")

    settings = Settings()

    assert settings.rate_limit_per_minute == 7
    assert settings.ws_rate_limit_per_minute == 700  # the environment wins


def test_a_shared_database_is_not_migrated_by_every_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUBBUB_DATABASE_URL", "postgresql+asyncpg://hubbub@db/hubbub")

    settings = Settings()

    assert not settings.is_sqlite
    assert not settings.should_migrate_on_start


def test_a_yaml_file_that_is_not_a_mapping_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "hubbub.yaml"
    config.write_text("- just\n- a list\n")
    monkeypatch.setenv("HUBBUB_CONFIG_FILE", str(config))

    with pytest.raises(ValueError, match="mapping"):
        Settings()

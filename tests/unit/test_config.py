"""Settings from the environment: database URLs, the secret key and the instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsvc.config import (
    DEFAULT_INSTANCE_PATH,
    Settings,
    SettingsError,
    normalize_database_url,
)

KEY = "k" * 32


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://ann@db:5432/alerts", "postgresql+psycopg://ann@db:5432/alerts"),
        ("postgresql://ann@db/alerts", "postgresql+psycopg://ann@db/alerts"),
        ("postgresql+psycopg://ann@db/alerts", "postgresql+psycopg://ann@db/alerts"),
        ("sqlite:////srv/alertsvc.db", "sqlite:////srv/alertsvc.db"),
    ],
)
def test_heroku_style_and_plain_postgresql_urls_mean_psycopg(given: str, used: str) -> None:
    assert normalize_database_url(given) == used
    settings = Settings.from_env({"ALERTSVC_DATABASE_URL": given, "ALERTSVC_SECRET_KEY": KEY})
    assert settings.database_url == used


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://root:hunter2@db/alerts", "'mysql', which alertsvc does not support"),
        ("postgresql+psycopg2://ann@db/alerts", "does not support"),
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
    ],
)
def test_a_database_url_alertsvc_cannot_use_is_refused_with_examples(url: str, named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"ALERTSVC_DATABASE_URL": url, "ALERTSVC_SECRET_KEY": KEY})
    message = str(refused.value)
    assert message.startswith("ALERTSVC_DATABASE_URL")
    assert named in message
    assert "hunter2" not in message


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_outside_development_a_secret_key_under_32_characters_is_refused(
    environment: str,
) -> None:
    env = {"ALERTSVC_ENV": environment, "ALERTSVC_DATABASE_URL": "sqlite:////srv/a.db"}
    with pytest.raises(SettingsError, match="has 31 characters, fewer than the 32"):
        Settings.from_env({**env, "ALERTSVC_SECRET_KEY": "k" * 31})
    with pytest.raises(SettingsError, match="is required outside development"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "ALERTSVC_SECRET_KEY": KEY}).secret_key == KEY


def test_in_development_a_short_secret_key_is_allowed() -> None:
    env = {"ALERTSVC_ENV": "development", "ALERTSVC_SECRET_KEY": "short"}
    assert Settings.from_env(env).secret_key == "short"


def test_the_default_database_is_in_the_checkouts_instance_folder_whatever_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"ALERTSVC_SECRET_KEY": KEY})
    checkout = Path(__file__).resolve().parents[2]
    assert settings.instance_path == DEFAULT_INSTANCE_PATH == checkout / "instance"
    assert settings.database_url == f"sqlite:///{DEFAULT_INSTANCE_PATH / 'alertsvc.db'}"


def test_alertsvc_instance_path_moves_the_default_database(tmp_path: Path) -> None:
    env = {"ALERTSVC_SECRET_KEY": KEY, "ALERTSVC_INSTANCE_PATH": str(tmp_path / "data")}
    settings = Settings.from_env(env)
    assert settings.instance_path == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'alertsvc.db'}"
    assert not (tmp_path / "data").exists()  # settings create nothing; commands do

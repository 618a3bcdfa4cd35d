"""Configuration from the environment: strict parsing, clear messages, no fallback secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.config import ConfigError, Settings, database_url


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def test_defaults_are_sqlite_inline_jobs_and_local_base_url(tmp_path: Path) -> None:
    config = settings(SECRET_KEY="k" * 40).flask_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    assert config["REDIS_URL"] is None
    assert config["BASE_URL"] == "http://127.0.0.1:5000"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_https_base_url_makes_the_cookie_secure(tmp_path: Path) -> None:
    config = settings(SECRET_KEY="k" * 40, BASE_URL="https://pledge.example/").flask_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True and config["BASE_URL"] == "https://pledge.example"


@pytest.mark.parametrize("raw", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_are_normalised_to_psycopg3(raw: str) -> None:
    assert database_url(raw) == "postgresql+psycopg://u@h/db"
    assert settings(DATABASE_URL=raw).database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"BASE_URL": "pledge.example"}, "BASE_URL"),
        ({"MAIL_PORT": "twenty-five"}, "MAIL_PORT"),
        ({"MAIL_PORT": "0"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"INVITATION_DAYS": "-3"}, "INVITATION_DAYS"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        settings(**env)


def test_secret_key_is_required_outside_the_demo(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        settings().flask_config(tmp_path)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        settings(SECRET_KEY="short").flask_config(tmp_path)


def test_the_demo_creates_and_reuses_a_secret_in_instance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = settings(PLEDGE_DEMO="1").flask_config(tmp_path)["SECRET_KEY"]
    assert "created a secret key" in capsys.readouterr().out
    second = settings(PLEDGE_DEMO="1").flask_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(str(first)) >= 32
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0

"""Configuration read from the environment with strict parsers: a wrong value stops start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

# How long a signed-in browser stays signed in without activity; CSRF tokens last as long (a form left open longer
# would be refused by its expired session anyway).
SESSION_IDLE = timedelta(hours=12)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    """Return the URL in `name`, or None when unset; junk raises ConfigError."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ConfigError(f"{name} must be a URL starting with one of {', '.join(schemes)}: got {raw!r}")
    return raw


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    """Return the whole number in `name`, or `default` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number: got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}: got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Return the yes/no value in `name`: 1/0, true/false, yes/no, on/off."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false: got {raw!r}")


def database_url(raw: str) -> str:
    """Normalise a database URL: postgres:// becomes postgresql+psycopg:// (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def demo_secret_key(instance_path: Path) -> str:
    """Return the demo's secret key kept in instance/, creating it on first use."""
    path = instance_path / "demo-secret-key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        print(f"demo: created a secret key in {path} (set SECRET_KEY in production)")
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from the environment, parsed once by `from_env`."""

    database_url: str | None
    redis_url: str | None
    secret_key: str | None
    base_url: str
    mail_server: str | None
    mail_port: int
    mail_sender: str
    mail_use_tls: bool
    invitation_days: int
    proxy_hops: int
    demo: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse the environment; raise ConfigError naming the first bad variable."""
        env = os.environ if env is None else env
        db = _url(env, "DATABASE_URL", ("postgres", "postgresql", "postgresql+psycopg", "sqlite"))
        base_url = _url(env, "BASE_URL", ("http", "https")) or "http://127.0.0.1:5000"
        return cls(
            database_url=database_url(db) if db else None,
            redis_url=_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
            secret_key=env.get("SECRET_KEY", "").strip() or None,
            base_url=base_url.rstrip("/"),
            mail_server=env.get("MAIL_SERVER", "").strip() or None,
            mail_port=_int(env, "MAIL_PORT", 25, minimum=1),
            mail_sender=env.get("MAIL_SENDER", "").strip() or "pledge@localhost",
            mail_use_tls=_bool(env, "MAIL_USE_TLS", False),
            invitation_days=_int(env, "INVITATION_DAYS", 60, minimum=1),
            proxy_hops=_int(env, "PROXY_HOPS", 0),
            demo=_bool(env, "PLEDGE_DEMO", False),
        )

    def flask_config(self, instance_path: Path) -> dict[str, object]:
        """Turn the settings into Flask config keys; a missing SECRET_KEY fails outside the demo."""
        secret = self.secret_key
        if secret is None:
            if not self.demo:
                raise ConfigError("SECRET_KEY is required (set PLEDGE_DEMO=1 only for the local demo)")
            secret = demo_secret_key(instance_path)
        if len(secret) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        https = self.base_url.startswith("https://")
        return {
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": self.database_url or f"sqlite:///{instance_path / 'survey.sqlite3'}",
            "REDIS_URL": self.redis_url,
            "BASE_URL": self.base_url,
            "PREFERRED_URL_SCHEME": "https" if https else "http",
            "SESSION_COOKIE_SECURE": https,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "MAIL_SERVER": self.mail_server,
            "MAIL_PORT": self.mail_port,
            "MAIL_SENDER": self.mail_sender,
            "MAIL_USE_TLS": self.mail_use_tls,
            "INVITATION_DAYS": self.invitation_days,
            "PROXY_HOPS": self.proxy_hops,
        }

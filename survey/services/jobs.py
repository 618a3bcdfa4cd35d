"""Background work: RQ queues on Redis when REDIS_URL is set, otherwise the same job runs inline."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis


def redis_connection() -> Redis | None:
    """The app's Redis connection, or None when jobs run inline."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("redis")
    if conn is None:
        conn = current_app.extensions["redis"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return conn


def init_app(app: Flask) -> None:
    """Nothing connects at start-up: the connection is made on first use."""
    app.extensions.setdefault("redis", None)

"""Invitation tokens never reach a log: gunicorn's access log and the development server's request log."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbi12YWx1ZQ"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_redacts_invitation_tokens(app, db, tmp_path: Path) -> None:
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"]}
    env.pop("PLEDGE_DEMO", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--logger-class",
            "survey.logs.GunicornLogger",
            "survey:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/r/{TOKEN}?from=mail", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        assert reply.status_code == 404  # an unknown link, explained
        deadline = time.monotonic() + 10
        while "/r/" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
    written = log.read_text()
    assert "GET /r/[token]?from=mail" in written
    assert TOKEN not in written


def test_development_server_log_redacts_invitation_tokens(client, db, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert client.get(f"/r/{TOKEN}").status_code == 404
        time.sleep(0.2)  # the server thread logs after it has answered
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/r/[token]" in line for line in lines), lines
    assert not any(TOKEN in line for line in lines)

"""Fixtures for the tagging, worker and staff tests: real Redis, a real worker process, submitted answers, a lead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from survey.extensions import db as _db
from survey.models import Answer, Response, Round, utcnow
from survey.services import staff, twofactor
from tests.survey.mail_server import smtp, smtp_refusing  # noqa: F401  (the in-process SMTP server fixtures)

ROOT = Path(__file__).resolve().parents[2]
LEAD_PASSWORD = "correct horse battery staple"

TEXTS = (
    "We co-produced our crisis care pathway with local faith groups and service users.",
    "Our board approved an anti-racism strategy and we now publish ethnicity data on a dashboard.",
    "Detentions under the Mental Health Act fell after we trained staff in cultural competence.",
    "We lacked capacity and staff shortages slowed us down.",
)


def _redis_or_skip(url: str) -> Redis:
    """A connection to the test Redis; a missing Redis fails in CI and skips locally."""
    conn = Redis.from_url(url, socket_connect_timeout=1)
    try:
        conn.ping()
    except RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"Redis at {url} is not answering ({exc}); set TEST_REDIS_URL")
    return conn


@pytest.fixture()
def redis_url(app: Flask, db: object) -> Iterator[str]:
    """The app switched to a real, emptied Redis database for one test (jobs queue instead of running inline)."""
    url = os.environ.get("TEST_REDIS_URL", "").strip() or "redis://127.0.0.1:6379/15"
    conn = _redis_or_skip(url)
    conn.flushdb()
    app.config["REDIS_URL"] = url
    app.extensions["redis"] = None
    yield url
    app.config["REDIS_URL"] = None
    app.extensions["redis"] = None
    conn.flushdb()
    conn.close()


@pytest.fixture()
def redis_down(app: Flask, db: object) -> Iterator[str]:
    """The app pointed at a Redis port nothing listens on."""
    url = "redis://127.0.0.1:6390/0"
    app.config["REDIS_URL"] = url
    app.extensions["redis"] = None
    yield url
    app.config["REDIS_URL"] = None
    app.extensions["redis"] = None


class Submitted:
    """Builds submitted responses whose free-text answers wait for tagging."""

    def __init__(self, factory: object) -> None:
        self.factory = factory
        self.round: Round = factory.round()  # type: ignore[attr-defined]

    def response(self, texts: tuple[str, ...] = TEXTS) -> Response:
        """A submitted response with one pending answer per text (committed)."""
        resp = self.factory.response(self.round, self.factory.organisation())  # type: ignore[attr-defined]
        for i, text in enumerate(texts):
            _db.session.add(
                Answer(
                    response_id=resp.id,
                    field_key=f"c1.q{i}",
                    question_key=f"q{i}",
                    commitment_number=1,
                    value=text,
                    text=text,
                    tagging="pending",
                )
            )
        resp.status = "submitted"
        resp.submitted_at = utcnow()
        _db.session.commit()
        return resp


@pytest.fixture()
def submitted(factory: object) -> Submitted:
    """Builder of submitted responses in one round."""
    return Submitted(factory)


def wait_for(check: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    """Poll `check` (in a fresh transaction each time, so SQLite's locks are released) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        _db.session.rollback()
        if check():
            _db.session.rollback()
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def horse_pids(pid: int) -> list[int]:
    """Child processes of a worker (its work horses)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Workers:
    """Starts real `worker.py` processes against the test database and Redis, and stops them after the test."""

    def __init__(self, app: Flask, redis_url: str, log_dir: Path) -> None:
        self.app = app
        self.redis_url = redis_url
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, burst: bool = False, delay: float = 0, modules: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
        """Start a worker; `delay` pauses each batch once it is marked running (tests/survey/worker_pauses.py);
        `modules` are more modules it imports before forking (job kinds of the tests' own)."""
        env = {
            **os.environ,
            "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self.app.config["SECRET_KEY"],
            "PLEDGE_EXTRA_JOB_MODULES": ",".join(["tests.survey.worker_pauses", *modules]),
            "PLEDGE_TEST_TAG_DELAY": str(delay),
            "FLASK_SKIP_DOTENV": "1",
        }
        env.pop("PLEDGE_DEMO", None)
        log = (self.log_dir / f"worker-{len(self.procs)}.log").open("wb")
        args = [sys.executable, str(ROOT / "worker.py"), *(["--burst"] if burst else [])]
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def log(self, index: int = 0) -> str:
        """What a worker printed."""
        return (self.log_dir / f"worker-{index}.log").read_text(errors="replace")

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker and its work horse, as an OOM killer or a lost host would."""
        horses = horse_pids(proc.pid)
        proc.kill()
        proc.wait(10)
        for pid in horses:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop_all(self) -> None:
        """Kill whatever is still running."""
        for proc in self.procs:
            if proc.poll() is None:
                self.kill9(proc)


@pytest.fixture()
def workers(app: Flask, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """Real worker processes for one test."""
    made = Workers(app, redis_url, tmp_path)
    yield made
    made.stop_all()


@pytest.fixture()
def lead(db: object) -> tuple[str, str]:
    """A pledge lead's e-mail and password (committed; two-factor set up, which tests.staff_login completes)."""
    user = staff.create_user("lead@pledge.example", LEAD_PASSWORD, role="lead", name="Pat Lead")
    twofactor.enrol_with_secret(user, pyotp.random_base32())
    _db.session.commit()
    return user.email, LEAD_PASSWORD


@pytest.fixture()
def reviewer(db: object) -> tuple[str, str]:
    """A reviewer's e-mail and password (committed)."""
    user = staff.create_user("reviewer@pledge.example", LEAD_PASSWORD, role="reviewer", name="Robin Reviewer")
    twofactor.enrol_with_secret(user, pyotp.random_base32())
    _db.session.commit()
    return user.email, LEAD_PASSWORD


@pytest.fixture()
def wait() -> Callable[..., None]:
    """`wait(check, timeout=..., what=...)`: poll until a condition holds."""
    return wait_for

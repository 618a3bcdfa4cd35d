"""Fixtures: the app on a real database (SQLite, or PostgreSQL from TEST_DATABASE_URL), a live HTTP server,
an HTTP client that carries cookies and CSRF tokens, and small factories."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.serving import make_server

from survey import create_app
from survey.config import database_url
from survey.extensions import db as _db
from survey.extensions import limiter
from survey.models import Base, Contact, Organisation, Response, Round
from survey.services import access, pledges, responses

SECRET = "test-secret-key-that-is-long-enough-0123456789"
# PLEDGE_TEST_HTTPS=1 runs every HTTP test as production runs: behind a proxy that terminates HTTPS and says so in
# X-Forwarded-Proto (ProxyFix trusts one hop), with the public address https and the session cookie Secure.
BEHIND_HTTPS = os.environ.get("PLEDGE_TEST_HTTPS", "").strip() == "1"
FORWARDED_HEADERS = {"X-Forwarded-Proto": "https"} if BEHIND_HTTPS else {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without TEST_DATABASE_URL the suite runs on SQLite: deselect (and count as deselected) the tests of what only
    PostgreSQL has, which the PostgreSQL pass of `make test` runs."""
    if os.environ.get("TEST_DATABASE_URL", "").strip():
        return
    only_postgresql = [item for item in items if item.get_closest_marker("postgresql")]
    if only_postgresql:
        config.hook.pytest_deselected(items=only_postgresql)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


def _database_uri(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return database_url(url) if url else f"sqlite:///{tmp / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The test configuration: a real database, CSRF on, jobs inline unless a test sets REDIS_URL."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path_factory.mktemp("db")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": "https://127.0.0.1" if BEHIND_HTTPS else "http://127.0.0.1",
        "PROXY_HOPS": 1 if BEHIND_HTTPS else 0,
        "REDIS_URL": None,
        "SESSION_COOKIE_SECURE": BEHIND_HTTPS,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "INVITATION_DAYS": 60,
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_SENDER": "pledge@localhost",
        "MAIL_USE_TLS": False,
    }


@pytest.fixture(scope="session")
def app(app_config: dict[str, object]) -> Iterator[Flask]:
    """One app per test session, with the schema created fresh from the models."""
    application = create_app(dict(app_config))
    with application.app_context():
        Base.metadata.drop_all(_db.engine)
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()
        Base.metadata.create_all(_db.engine)
    yield application


def _empty_tables() -> None:
    _db.session.rollback()
    tables = list(reversed(Base.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture()
def db(app: Flask) -> Iterator[object]:
    """The database inside an app context; every table is emptied after the test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_tables()
        _db.session.remove()
        limiter.reset()  # failed sign-ins counted in one test do not lock the next test's accounts


@contextmanager
def serving(application: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free loopback port, in a thread, for the block; yields its URL."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port, in a thread."""
    with serving(app) as url:
        yield url


class HttpsProxyTransport(httpx.HTTPTransport):
    """What an HTTPS-terminating proxy does: the client speaks https, the app gets http and X-Forwarded-Proto."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward over plain HTTP with the forwarded-protocol header; the client keeps its https URL."""
        original = request.url
        request.url = original.copy_with(scheme="http")
        request.headers.update(FORWARDED_HEADERS)
        try:
            return super().handle_request(request)
        finally:
            request.url = original


class Browser:
    """An HTTP client with a cookie jar that fills in the CSRF token of the page it last read.

    Like a current browser, it says where a request comes from (Sec-Fetch-Site) and sends no Referer (the app's
    referrer policy is no-referrer)."""

    def __init__(self, base_url: str) -> None:
        if BEHIND_HTTPS:
            base_url = base_url.replace("http://", "https://", 1)
        self.http = httpx.Client(
            base_url=base_url,
            follow_redirects=False,
            timeout=30,
            transport=HttpsProxyTransport(),
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        self.last_token: str | None = None

    def get(self, url: str, **kwargs: object) -> httpx.Response:
        """GET a page and remember its CSRF token."""
        response = self.http.get(url, **kwargs)  # type: ignore[arg-type]
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
        if found:
            self.last_token = found.group(1)
        return response

    def post(
        self, url: str, data: dict[str, object] | list[tuple[str, object]], *, csrf: bool = True
    ) -> httpx.Response:
        """POST a form, adding the CSRF token read from the last page unless told not to."""
        items = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf and self.last_token and not any(k == "csrf_token" for k, _ in items):
            items.append(("csrf_token", self.last_token))
        # A list is a field with several values (checkboxes), sent as repeated pairs as a browser does.
        pairs = [(k, str(x)) for k, v in items for x in (v if isinstance(v, list) else [v])]
        return self.http.post(
            url,
            content=httpx.QueryParams(pairs).__str__().encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


@pytest.fixture()
def browser_factory(live_server: str, db: object) -> Iterator[object]:
    """Make HTTP clients, each its own cookie jar (one per person)."""
    made: list[Browser] = []

    def make() -> Browser:
        b = Browser(live_server)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


@pytest.fixture()
def client(browser_factory: object) -> Browser:
    """One HTTP client against the live server."""
    return browser_factory()  # type: ignore[operator]


class Factory:
    """Small builders for the rows most tests need."""

    def __init__(self) -> None:
        self.pledge = pledges.ensure_pledge()
        self.questionnaire = pledges.ensure_questionnaire(self.pledge)
        self._orgs = 0

    def round(self, number: int = 1, *, closed: bool = False, previous: Round | None = None) -> Round:
        """A round of the pledge, open unless closed=True."""
        from survey.models import utcnow

        rnd = Round(
            pledge_id=self.pledge.id,
            number=number,
            name=f"Round {number}",
            opens_on=date.today() - timedelta(days=30),
            deadline=date.today() + timedelta(days=30),
            questionnaire_version_id=self.questionnaire.id,
            previous_round_id=previous.id if previous else None,
            closed_at=utcnow() if closed else None,
        )
        _db.session.add(rnd)
        _db.session.flush()
        return rnd

    def organisation(self, name: str | None = None, *, contacts: int = 2) -> Organisation:
        """An NHS trust with `contacts` contacts."""
        self._orgs += 1
        org = Organisation(
            pledge_id=self.pledge.id, name=name or f"Test Trust {self._orgs}", kind="nhs_mh_trust", region="London"
        )
        _db.session.add(org)
        _db.session.flush()
        for i in range(contacts):
            _db.session.add(
                Contact(
                    organisation_id=org.id,
                    name=f"Person {i} of {org.id}",
                    role="Director",
                    email=f"p{i}.org{org.id}@trust.example",
                )
            )
        _db.session.flush()
        return org

    def response(self, rnd: Round, org: Organisation) -> Response:
        """The organisation's (empty) response in the round."""
        resp = Response(round_id=rnd.id, organisation_id=org.id, reference=responses.new_reference())
        _db.session.add(resp)
        _db.session.flush()
        return resp

    def invite(self, resp: Response, contact_index: int = 0) -> str:
        """An invitation link path for one of the organisation's contacts (committed)."""
        contact = (
            _db.session.query(Contact)
            .filter_by(organisation_id=resp.organisation_id)
            .order_by(Contact.id)[contact_index]
        )
        token = access.create_invitation(resp, contact, days=60)
        _db.session.commit()
        return f"/r/{token}"


@pytest.fixture()
def factory(db: object) -> Factory:
    """Builders for pledge, rounds, organisations, responses and invitations."""
    return Factory()

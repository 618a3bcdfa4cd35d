"""Request hardening over real HTTP: POSTs behind an HTTPS-terminating proxy, HSTS, same-origin checks, size limits."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from survey import create_app
from survey.models import Response, User
from survey.security import request_limit_bytes
from survey.services import responses
from survey.validate import count_words
from tests.answers import answers_for
from tests.conftest import serving
from tests.staff_login import unspent_code

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture()
def https_app_url(app_config: dict[str, object]) -> Iterator[str]:
    """A second app on the test database configured as production is: https public address, one trusted proxy."""
    config = dict(app_config, BASE_URL="https://pledge.example", PROXY_HOPS=1, SESSION_COOKIE_SECURE=True)
    with serving(create_app(config)) as url:
        yield url


def _proxied(base_url: str) -> httpx.Client:
    """A client as the proxy forwards a browser's requests: https said in X-Forwarded-Proto, no Referer."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pledge.example"}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30, follow_redirects=False)


def _token(page: httpx.Response) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


def _cookie_header(response: httpx.Response) -> str:
    """The session cookie as a browser on https would send it back (httpx's jar would not: the URL is http)."""
    set_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("session="))
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie
    return set_cookie.split(";", 1)[0]


def test_a_post_without_referer_behind_https_signs_in(https_app_url: str, lead: tuple[str, str], db) -> None:
    with _proxied(https_app_url) as http:
        page = http.get("/auth/login")
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert page.headers["Referrer-Policy"] == "no-referrer"
        cookie = _cookie_header(page)
        signed_in = http.post(
            "/auth/login",
            data={"email": lead[0], "password": lead[1], "csrf_token": _token(page)},
            headers={"Cookie": cookie, "Origin": "null", "Sec-Fetch-Site": "same-origin"},
        )
        assert signed_in.status_code == 302, signed_in.text
        assert signed_in.headers["location"] == "/auth/two-factor"
        cookie = _cookie_header(signed_in)
        step = http.get("/auth/two-factor", headers={"Cookie": cookie})
        secret = db.session.scalar(select(User.totp_secret))
        cookie = _cookie_header(step)  # the CSRF token of the step is kept in the session
        done = http.post(
            "/auth/two-factor",
            data={"code": unspent_code(secret, None), "csrf_token": _token(step)},
            headers={"Cookie": cookie, "Origin": "null", "Sec-Fetch-Site": "same-origin"},
        )
        assert done.status_code == 302 and done.headers["location"] == "/review/", done.text
        assert http.get("/review/", headers={"Cookie": _cookie_header(done)}).status_code == 200


def test_the_csrf_token_is_still_required_behind_https(https_app_url: str, lead: tuple[str, str]) -> None:
    with _proxied(https_app_url) as http:
        page = http.get("/auth/login")
        refused = http.post(
            "/auth/login", data={"email": lead[0], "password": lead[1]}, headers={"Cookie": _cookie_header(page)}
        )
        assert refused.status_code == 400
        assert "The CSRF token is missing" in refused.text


def test_no_hsts_over_plain_http(client) -> None:
    page = client.get("/")
    assert ("Strict-Transport-Security" in page.headers) == page.url.scheme.startswith("https")


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://attacker.example"}],
)
def test_a_form_sent_from_another_site_is_refused(client, lead: tuple[str, str], headers: dict[str, str]) -> None:
    client.get("/auth/login")
    data = {"email": lead[0], "password": lead[1], "csrf_token": client.last_token}
    fields = httpx.QueryParams(data).__str__().encode()
    plain = {"Content-Type": "application/x-www-form-urlencoded"}
    if "Origin" in headers:
        del client.http.headers["Sec-Fetch-Site"]  # an older browser: only Origin says where the form came from
    refused = client.http.post("/auth/login", content=fields, headers={**plain, **headers})
    assert refused.status_code == 403
    assert "sent from another website" in refused.text and "nhsuk-header" in refused.text


def test_an_anonymous_huge_post_is_refused_without_reading_it(client) -> None:
    client.get("/auth/login")
    limit = request_limit_bytes()
    body = b"email=x&password=" + b"a" * (100 * 1024 * 1024)
    started = time.monotonic()
    refused = client.http.post(
        "/auth/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert refused.status_code == 413
    assert f"at most {limit // 1024:,} KB" in refused.text and "nhsuk-header" in refused.text
    assert time.monotonic() - started < 20  # refused on its Content-Length, not after reading 100 MB


def test_too_many_form_fields_are_refused(client) -> None:
    client.get("/auth/login")
    fields = "&".join(f"f{i}=1" for i in range(2000)).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused = client.http.post("/auth/login", content=fields, headers=form)
    assert refused.status_code == 413


def test_the_largest_legitimate_section_is_accepted(client, factory, db) -> None:
    """The largest section (commitment 2: three long answers, the measures and the table) with every long answer
    at its character cap and word limit, each character four bytes of UTF-8 (percent-encoded on the wire)."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-2"
    client.get(url)
    data = answers_for("commitment-2")
    section = responses.questionnaire_for(db.session.get(Response, resp.id), first_report=True).section("commitment-2")
    long_texts = [q for q in section.questions if q.type == "long_text"]
    assert [q.key for q in long_texts] == ["actions", "impact", "challenges"]
    for q in long_texts:
        word = "😀" * (q.max_chars // q.max_words - 1)  # words and spaces fill the cap exactly
        text = " ".join([word] * q.max_words)
        data[q.key] = text + "😀" * (q.max_chars - len(text))
        assert len(data[q.key]) == q.max_chars and count_words(data[q.key]) == q.max_words
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.text[:500]


def test_csrf_tokens_last_as_long_as_a_session(app) -> None:
    """A token no longer outlives the session it belongs to (it never expired before)."""
    from survey.config import SESSION_IDLE

    assert app.config["WTF_CSRF_TIME_LIMIT"] == int(SESSION_IDLE.total_seconds())

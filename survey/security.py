"""Request hardening: security headers, a nonce-based CSP, request size limits, same-origin POSTs, proxies.

Invitation tokens travel in URLs, so every page is sent with `Referrer-Policy: no-referrer`. Browsers then send
no `Referer` (and `Origin: null`) with a form POST, so Flask-WTF's strict referrer check for HTTPS requests would
refuse every POST: it is turned off and replaced by a check of `Sec-Fetch-Site`, which the referrer policy does
not touch. The CSRF token check itself stays on for every POST.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.config import SESSION_IDLE
from survey.questionnaire import largest_form_bytes, load_definition

View = Callable[..., Any]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Besides the answers: the CSRF token, revisions, the button pressed.
FORM_HEADROOM_BYTES = 64 * 1024
MAX_FORM_PARTS = 500
HSTS = "max-age=63072000; includeSubDomains"


def csp_nonce() -> str:
    """The nonce of this request, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _headers(response: Response) -> Response:
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["BASE_URL"].startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def _own_origins() -> set[str]:
    """The origins this app answers as: the configured public address and the one this request reached."""
    return {current_app.config["BASE_URL"].rstrip("/"), request.host_url.rstrip("/")}


def same_origin_only() -> None:
    """Refuse a state-changing request that a browser says came from another site."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site not in ("same-origin", "none"):
            abort(403, "This form was sent from another website, so it was not accepted.")
        return
    # Older browsers: an Origin header, when there is a real one, must be ours ("null" is what no-referrer gives).
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin not in _own_origins():
        abort(403, "This form was sent from another website, so it was not accepted.")


def limit_fields() -> None:
    """Refuse a form with more fields than any page has (Werkzeug counts only multipart parts)."""
    if request.method not in SAFE_METHODS and request.mimetype == "application/x-www-form-urlencoded":
        if sum(len(values) for _, values in request.form.lists()) > MAX_FORM_PARTS:
            abort(413)


def accepts_upload(limit_bytes: int) -> Callable[[View], View]:
    """Let a view take a request body up to `limit_bytes` (a file upload) instead of the form limit."""

    def mark(view: View) -> View:
        view.max_upload_bytes = limit_bytes  # type: ignore[attr-defined]
        return view

    return mark


def allow_uploads() -> None:
    """Raise the body limit for a view marked with `accepts_upload`, before anything reads the body (CSRF does)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_upload_bytes", None)
    if limit:
        request.max_content_length = limit
        request.max_form_memory_size = limit
        g.upload_limit_bytes = limit


def request_limit_bytes() -> int:
    """The largest request body the app accepts: the largest section form of the questionnaire, at its limits."""
    return largest_form_bytes(load_definition()) + FORM_HEADROOM_BYTES


def init_app(app: Flask) -> None:
    """Headers on every response, the nonce for templates, request limits, the origin check, proxy headers."""
    limit = request_limit_bytes()
    # Flask's defaults (no body limit, 500 kB of form memory) are too lax and too strict respectively.
    app.config["MAX_CONTENT_LENGTH"] = limit
    app.config["MAX_FORM_MEMORY_SIZE"] = limit
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.config["WTF_CSRF_TIME_LIMIT"] = int(SESSION_IDLE.total_seconds())  # a token lasts as long as its session
    app.config["WTF_CSRF_SSL_STRICT"] = False  # replaced by same_origin_only (see the module docstring)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    app.before_request(same_origin_only)
    app.before_request(allow_uploads)
    app.before_request(limit_fields)
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["request_limit_bytes"] = limit
    app.context_processor(lambda: {"cspNonce": csp_nonce(), "assetPath": "/assets"})

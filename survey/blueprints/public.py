"""Pages anyone may open: the start page, invitation links and their error pages, the footer's privacy,
accessibility and cookies pages, health."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, session, url_for
from jinja2 import Environment
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.blueprints.respond import current_respondent
from survey.config import SESSION_IDLE
from survey.extensions import db
from survey.models import Round
from survey.services import access

bp = Blueprint("public", __name__)

INVITATION_PROBLEMS = {
    "invalid": (404, "This link does not work"),
    "expired": (410, "This link has expired"),
    "revoked": (410, "This link has been cancelled"),
    "closed": (410, "This reporting round has closed"),
}


@bp.get("/")
def index() -> str:
    """The start page: what this service is, how to get a link, and asking for it again by e-mail."""
    from forms.mail import LinkRequestForm

    return render_template("public/index.html", link_form=LinkRequestForm())


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """A bare endpoint for load balancers and the benchmark's baseline."""
    return {"status": "ok"}


@bp.get("/r/<token>")
def open_invitation(token: str) -> WerkzeugResponse | tuple[str, int]:
    """Open an invitation link: start a respondent session; the start page first, unless this browser already
    had the report open (clicking the e-mail's link again goes straight back to the task list)."""
    try:
        invitation = access.check_invitation(token)
    except access.InvitationError as exc:
        status, title = INVITATION_PROBLEMS[exc.reason]
        return render_template("public/invitation_problem.html", reason=exc.reason, title=title), status
    before = access.respondent_for(session.get("respondent"))
    session.clear()
    session["respondent"] = access.start_session(invitation)
    session.permanent = False
    db.session.commit()
    view = "respond.task_list" if before and before.response_id == invitation.response_id else "respond.start"
    return redirect(url_for(view, response_id=invitation.response_id))


@bp.get("/privacy")
def privacy() -> str:
    """The privacy notice: the round's own when a respondent is signed in and the lead wrote one."""
    rnd = _signed_in_round()
    return render_static("public/privacy.html", notice=rnd.privacy_notice if rnd else "", **_contact(rnd))


@bp.get("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_static("public/accessibility.html", **_contact(_signed_in_round()))


@bp.get("/cookies")
def cookies() -> str:
    """The cookies page: one strictly necessary session cookie, so no banner."""
    return render_static(
        "public/cookies.html",
        cookie=current_app.config["SESSION_COOKIE_NAME"],
        idle_hours=int(SESSION_IDLE.total_seconds() // 3600),
    )


def _signed_in_round() -> Round | None:
    """The round of the respondent signed in on this browser, if any."""
    respondent = current_respondent()
    return respondent.response.round if respondent else None


def _contact(rnd: Round | None) -> dict[str, str]:
    """The pledge team contact from the round's settings (empty: the pages say to reply to the invitation)."""
    return {"contact_name": rnd.contact_name if rnd else "", "contact_email": rnd.contact_email if rnd else ""}


# The start page and the footer pages are the same for everyone in a round: their `static_*` blocks are rendered
# once per process for each set of inputs. The page around them (the CSP nonce in the head, the sign-out form's
# CSRF token, flashed messages, links naming the response) is rendered per request, so none of those is ever
# frozen into the cache.
@lru_cache(maxsize=1024)
def _static_blocks(env: Environment, name: str, inputs: tuple[tuple[str, Hashable], ...]) -> dict[str, Markup]:
    template = env.get_template(name)
    return {
        block.removeprefix("static_"): Markup("".join(render(template.new_context(dict(inputs)))))
        for block, render in template.blocks.items()
        if block.startswith("static_")
    }


def render_static(name: str, context: Mapping[str, Any] | None = None, **inputs: Hashable) -> str:
    """Render a page whose `static_*` blocks depend only on `inputs` (cached as `cached.*`), with per-request
    `context`."""
    cached = _static_blocks(current_app.jinja_env, name, tuple(sorted(inputs.items())))
    return render_template(name, cached=cached, **(context or {}))


def init_app(app: Flask) -> None:
    """Register the blueprint (with the lost-link pages of its own module)."""
    from survey.blueprints import lost_link  # noqa: F401  (adds its views to `bp`)

    app.register_blueprint(bp)

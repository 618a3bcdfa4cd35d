"""Pages anyone may open: the start page, invitation links and their error pages, health."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.extensions import db
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
    """The start page: what this service is and how to get a link."""
    return render_template("public/index.html")


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """A bare endpoint for load balancers and the benchmark's baseline."""
    return {"status": "ok"}


@bp.get("/r/<token>")
def open_invitation(token: str) -> WerkzeugResponse | tuple[str, int]:
    """Open an invitation link: start a respondent session and go to the task list."""
    try:
        invitation = access.check_invitation(token)
    except access.InvitationError as exc:
        status, title = INVITATION_PROBLEMS[exc.reason]
        return render_template("public/invitation_problem.html", reason=exc.reason, title=title), status
    session.clear()
    session["respondent"] = access.start_session(invitation)
    session.permanent = False
    db.session.commit()
    return redirect(url_for("respond.task_list", response_id=invitation.response_id))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)

"""A respondent who lost their link asks for a new one by e-mail address, on the start page. The answer is the same
whether or not the address is known, and requests are limited per network address (and per e-mail address in
`outbox.request_links`)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.mail import LinkRequestForm
from survey import mail_jobs
from survey.blueprints.public import bp
from survey.extensions import db
from survey.services import outbox

PER_ADDRESS = parse("10/hour")


def _limiter() -> FixedWindowRateLimiter:
    """The rate limiter on the app's Redis (in memory without it), made once per app."""
    limiter = current_app.extensions.get("link_limiter")
    if limiter is None:
        url = current_app.config.get("REDIS_URL") or "memory://"
        limiter = current_app.extensions["link_limiter"] = FixedWindowRateLimiter(storage_from_string(url))
    return limiter


@bp.route("/lost-link", methods=["GET", "POST"])
def lost_link() -> str | WerkzeugResponse | tuple[str, int]:
    """Ask for a new link by e-mail address; the same answer for a known and an unknown address."""
    form = LinkRequestForm()
    if not form.validate_on_submit():
        return render_template("public/lost_link.html", form=form)
    if not _limiter().hit(PER_ADDRESS, "lost-link", request.remote_addr or "-"):
        return render_template("public/lost_link.html", form=form, limited=True), 429
    rounds = outbox.request_links(form.email.data)
    db.session.commit()
    for round_id in rounds:
        mail_jobs.send_round(round_id)
    return redirect(url_for("public.lost_link_sent"))


@bp.get("/lost-link/sent")
def lost_link_sent() -> str:
    """What every request is told."""
    return render_template("public/lost_link_sent.html")

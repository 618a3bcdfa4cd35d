"""Password reset: ask for a link by e-mail address (same answer whether or not it is known), then use it once."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import NewPasswordForm, ResetRequestForm
from survey.blueprints.auth import bp
from survey.extensions import db, limiter
from survey.mail import MailError, send_message
from survey.permissions import ANYONE, require
from survey.services import resets
from survey.services.staff import StaffError

logger = logging.getLogger(__name__)
TOO_MANY = "There have been too many requests for reset links from this address. Wait 15 minutes, then try again."


def send_link(user_id: int, token: str, *, welcome: bool = False) -> bool:
    """E-mail a reset (or new-account) link; False when the mail server did not take it (the reason is logged)."""
    from survey.models import User

    user = db.session.get(User, user_id)
    assert user is not None
    subject, body = resets.message(user, url_for("auth.reset_password", token=token, _external=True), welcome=welcome)
    try:
        send_message(user.email, subject, body)
    except MailError:
        logger.exception("the reset link for user %s was not sent", user.id)
        return False
    return True


@bp.route("/reset", methods=["GET", "POST"])
@require(ANYONE)
@limiter.limit("5 per 15 minutes", methods=["POST"], error_message=TOO_MANY)
def request_reset() -> str:
    """Ask for a password-reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form)
    user = resets.account_for(form.email.data or "")
    if user is not None:
        token = resets.create_link(user)
        db.session.commit()
        send_link(user.id, token)
    return render_template("auth/reset_sent.html", email=form.email.data)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@require(ANYONE)
def reset_password(token: str) -> str | WerkzeugResponse | tuple[str, int]:
    """Choose a new password with an e-mailed link: once, before it expires; every session of the account ends."""
    try:
        resets.link_user(token)
    except resets.ResetError as exc:
        return render_template("auth/reset_problem.html", problem=str(exc)), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            resets.use_link(token, form.password.data or "")
        except (resets.ResetError, StaffError) as exc:
            db.session.rollback()
            return render_template("auth/reset_problem.html", problem=str(exc)), 410
        db.session.commit()
        flash("Your password has been changed. Sign in with it.")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), (400 if form.errors else 200)

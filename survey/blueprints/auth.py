"""Staff sign-in and sign-out (e-mail and password; two-factor comes with the accounts work)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import LoginForm, LogoutForm
from survey.auth import Staff
from survey.extensions import db
from survey.services import audit, staff

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str:
    """The page to return to after sign-in: a local path only, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("review.home")  # the staff home, for the lead and reviewers alike


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | WerkzeugResponse | tuple[str, int]:
    """Sign a staff member in, then go back to the page they asked for."""
    form = LoginForm()
    if form.validate_on_submit():
        user = staff.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a fresh session: nothing carried over from before sign-in
            login_user(Staff(user, staff.start_session(user)))
            audit.record("user.signed_in", actor_type="user", actor_id=user.id, target_type="user", target_id=user.id)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("The email address or password is not right")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> WerkzeugResponse:
    """Sign out: the server-side session ends, so the cookie opens nothing even if replayed."""
    if LogoutForm().validate_on_submit():
        staff.end_session(current_user.session_token)
        audit.record(
            "user.signed_out",
            actor_type="user",
            actor_id=current_user.id,
            target_type="user",
            target_id=current_user.id,
        )
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Register the blueprint and offer the sign-out form to templates."""
    app.register_blueprint(bp)
    app.jinja_env.globals["logout_form"] = LogoutForm

"""The lead's staff accounts: add (an e-mailed link to choose a password), role, sessions, disable, two-factor."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import ButtonForm
from forms.users import NewUserForm, RoleForm
from survey.blueprints.auth_reset import send_link
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import User
from survey.permissions import MANAGE_USERS, require
from survey.services import audit, resets, staff


@bp.route("/users", methods=["GET", "POST"])
@require(MANAGE_USERS)
def users() -> str | WerkzeugResponse | tuple[str, int]:
    """Every staff account, and the form to add one."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = staff.create_user(
                form.email.data or "", None, role=form.role.data, name=form.name.data or "", actor_id=current_user.id
            )
        except staff.StaffError as exc:
            form.email.errors.append(str(exc)[0].upper() + str(exc)[1:])
        else:
            token = resets.create_link(user, lifetime=resets.WELCOME_LIFETIME)
            db.session.commit()
            sent = send_link(user.id, token, welcome=True)
            flash(
                f"{user.name}'s account is made. "
                + (
                    f"A link to choose a password was sent to {user.email}."
                    if sent
                    else "The e-mail with their link could not be sent: ask them to use “I have forgotten my password”."
                )
            )
            return redirect(url_for("manage.user_detail", user_id=user.id))
    status = 400 if form.errors else 200
    return render_template("manage/users.html", users=staff.all_users(), form=form), status


@bp.get("/users/<int:user_id>")
@require(MANAGE_USERS)
def user_detail(user_id: int) -> str:
    """One account: its role, where it is signed in, and what the lead can do about it."""
    user = db.get_or_404(User, user_id)
    return render_template(
        "manage/user.html",
        user=user,
        sessions=staff.live_sessions(user.id),
        role_form=RoleForm(role=user.role),
        form=ButtonForm(),
    )


@bp.post("/users/<int:user_id>/role")
@require(MANAGE_USERS)
def user_role(user_id: int) -> WerkzeugResponse:
    """Change an account's role (audited)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    return _act(
        user,
        form.validate_on_submit(),
        lambda: staff.change_role(user, form.role.data, actor_id=current_user.id),
        "The role is changed.",
    )


@bp.post("/users/<int:user_id>/sessions/<int:session_id>/revoke")
@require(MANAGE_USERS)
def user_session_revoke(user_id: int, session_id: int) -> WerkzeugResponse:
    """End one session of an account (a lost or shared device)."""
    user = db.get_or_404(User, user_id)
    return _act(
        user,
        ButtonForm().validate_on_submit(),
        lambda: staff.revoke_session(session_id, user.id),
        "The session is ended.",
        "user.session_revoked",
    )


@bp.post("/users/<int:user_id>/sign-out-everywhere")
@require(MANAGE_USERS)
def user_sign_out_everywhere(user_id: int) -> WerkzeugResponse:
    """End every session of an account."""
    user = db.get_or_404(User, user_id)
    return _act(
        user,
        ButtonForm().validate_on_submit(),
        lambda: staff.end_all_sessions(user.id),
        "Every session is ended.",
        "user.signed_out_everywhere",
    )


@bp.post("/users/<int:user_id>/disable")
@require(MANAGE_USERS)
def user_disable(user_id: int) -> WerkzeugResponse:
    """Disable an account (or enable it again): a disabled account is signed out at once and cannot sign in."""
    user = db.get_or_404(User, user_id)
    disable = user.disabled_at is None
    return _act(
        user,
        ButtonForm().validate_on_submit(),
        lambda: staff.set_disabled(user, disable, actor_id=current_user.id),
        "The account is disabled." if disable else "The account is enabled.",
    )


@bp.post("/users/<int:user_id>/reset-two-factor")
@require(MANAGE_USERS)
def user_reset_two_factor(user_id: int) -> WerkzeugResponse:
    """Clear an account's two-factor: it sets up a new authenticator at its next sign-in."""
    user = db.get_or_404(User, user_id)
    return _act(
        user,
        ButtonForm().validate_on_submit(),
        lambda: staff.reset_two_factor(user, actor_id=current_user.id),
        "Two-factor is cleared: they set it up again when they next sign in.",
    )


def _act(user: User, valid: bool, change: object, done: str, action: str = "") -> WerkzeugResponse:
    """Run one change to an account from a valid form (audited as `action` when the change does not audit
    itself), commit, and go back to the account with what happened."""
    if not valid:
        flash("The form expired or was incomplete: try again.")
    else:
        try:
            change()  # type: ignore[operator]
        except staff.StaffError as exc:
            db.session.rollback()
            flash(str(exc) + ".")
        else:
            if action:
                audit.record(
                    action,
                    actor_type="user",
                    actor_id=current_user.id,
                    target_type="user",
                    target_id=user.id,
                    summary=user.email,
                )
            db.session.commit()
            flash(done)
    return redirect(url_for("manage.user_detail", user_id=user.id))

"""Staff sign-in: password, then a TOTP code (set up on first sign-in), rate-limited; sign-out; password reset."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import ButtonForm, CodeForm, LoginForm, LogoutForm
from survey.auth import Staff
from survey.extensions import db, limiter
from survey.models import User
from survey.permissions import ANYONE, OWN_ACCOUNT, require
from survey.services import audit, staff, twofactor

bp = Blueprint("auth", __name__, url_prefix="/auth")

WRONG_LOG_IN = "The email address or password is not right"
WRONG_CODE = "The code is not right, or it has been used already: wait for the next code and try again"
TOO_MANY = (
    "There have been too many attempts to sign in to this account or from this address. "
    "Wait 15 minutes, then try again. If you have forgotten your password, reset it."
)
# Between the password and the code: long enough to open an authenticator app, short enough to be useless if left.
PENDING_SECONDS = 300
Page = str | WerkzeugResponse | tuple[str, int]


def _account_key() -> str:
    """The account an attempt names: the e-mail typed, or the one waiting for its code (failures count together)."""
    pending = session.get("signin") or {}
    return "account:" + (pending.get("email") or (request.form.get("email") or "").strip().lower()[:320])


def _failed(response: WerkzeugResponse) -> bool:
    return response.status_code == 401


# Failed attempts count (a right password does not), per account and per address.
per_account = limiter.shared_limit(
    "10 per 15 minutes", "signin-account", key_func=_account_key, methods=["POST"], deduct_when=_failed,
    error_message=TOO_MANY,
)  # fmt: skip
per_address = limiter.shared_limit(
    "50 per 15 minutes", "signin-address", methods=["POST"], deduct_when=_failed, error_message=TOO_MANY
)


def safe_next(target: str | None) -> str:
    """The page to return to after sign-in: a local path only, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("review.home")  # the staff home, for the lead and reviewers alike


def _pending_user(*, enrolled: bool) -> User | None:
    """The account that gave its password in this browser in the last few minutes, if its two-factor is (or is not
    yet) set up as the page needs."""
    pending = session.get("signin")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or user.disabled_at is not None or (user.totp_enrolled_at is not None) != enrolled:
        return None
    return user


def _start_again() -> WerkzeugResponse:
    session.pop("signin", None)
    flash("Sign in again: the time to enter a code ran out, or this step was not for you.")
    return redirect(url_for("auth.login"))


def _complete(user: User, method: str) -> str:
    """Start the server-side session of a fully signed-in account; returns where to go."""
    target = safe_next((session.get("signin") or {}).get("next"))
    session.clear()  # a fresh session: nothing carried over from before sign-in, the CSRF token included
    g.pop("csrf_token", None)  # Flask-WTF keeps the request's token here too: the rest of this request makes a new one
    login_user(Staff(user, staff.start_session(user)))
    audit.record(
        "user.signed_in", actor_type="user", actor_id=user.id, target_type="user", target_id=user.id, method=method
    )
    return target


def _failure(action: str, user_id: int | None, **details: str) -> None:
    audit.record(action, actor_type="anonymous", actor_id=None, target_type="user", target_id=user_id, **details)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@require(ANYONE)
@per_account
@per_address
def login() -> Page:
    """Check the e-mail and password, then ask for a code (or set up two-factor on first sign-in)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    user = staff.authenticate(form.email.data or "", form.password.data or "")
    if user is None:
        _failure("user.sign_in_failed", staff.user_id_for(form.email.data or ""), email=(form.email.data or "")[:320])
        form.password.errors.append(WRONG_LOG_IN)
        return render_template("auth/login.html", form=form), 401
    db.session.commit()  # an upgraded password hash
    session.clear()
    session["signin"] = {
        "user_id": user.id,
        "email": user.email.lower(),
        "at": time.time(),
        "next": request.args.get("next"),
    }
    return redirect(url_for("auth.two_factor" if user.totp_enrolled_at else "auth.set_up_two_factor"))


@bp.route("/two-factor", methods=["GET", "POST"])
@require(ANYONE)
@per_account
@per_address
def two_factor() -> Page:
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_user(enrolled=True)
    if user is None:
        return _start_again()
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/two_factor.html", form=form)
    code = form.code.data or ""
    if twofactor.accept_code(user, code):
        target = _complete(user, "totp")
    elif twofactor.use_recovery_code(user, code):
        target = _complete(user, "recovery_code")
        flash(
            f"You used a recovery code: {twofactor.recovery_codes_left(user)} left. Make new ones on your account page."
        )
    else:
        _failure("user.two_factor_failed", user.id)
        form.code.errors.append(WRONG_CODE)
        return render_template("auth/two_factor.html", form=form), 401
    db.session.commit()
    return redirect(target)


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
@require(ANYONE)
@per_account
@per_address
def set_up_two_factor() -> Page:
    """First sign-in: show the secret as a QR code and as text, and confirm it with a first code."""
    user = _pending_user(enrolled=False)
    if user is None:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(user, form.code.data or "")
        if codes is not None:
            audit.record(
                "user.two_factor_set_up", actor_type="user", actor_id=user.id, target_type="user", target_id=user.id
            )
            target = _complete(user, "totp")
            db.session.commit()
            return _recovery_codes_page(codes, target)
        _failure("user.two_factor_failed", user.id)
        form.code.errors.append(WRONG_CODE)
    secret = twofactor.start_enrolment(user)
    db.session.commit()
    page = render_template(
        "auth/set_up.html", form=form, secret=secret, qr=twofactor.qr_data_uri(twofactor.provisioning_uri(user))
    )
    return page, (401 if form.errors else 200), {"Cache-Control": "no-store"}


def _recovery_codes_page(codes: list[str], target: str) -> tuple[str, int, dict[str, str]]:
    """The ten recovery codes, shown once, never cached, with a download of them as a text file that the page
    itself carries (a data: link): the codes are never stored in plain text, nor served again."""
    account = current_user.user.email if current_user.is_authenticated else ""
    lines = [f"Recovery codes for {account}: Pledge progress reporting", "Each code works once.", "", *codes, ""]
    page = render_template("auth/recovery_codes.html", codes=codes, target=target, as_text="\r\n".join(lines))
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/account")
@require(OWN_ACCOUNT)
def account() -> str:
    """Your account: where you are signed in, sign out everywhere, recovery codes."""
    return render_template(
        "auth/account.html",
        sessions=staff.live_sessions(current_user.id),
        this_session=staff.session_id(current_user.session_token),
        codes_left=twofactor.recovery_codes_left(current_user.user),
        form=ButtonForm(),
    )


@bp.post("/recovery-codes")
@require(OWN_ACCOUNT)
def new_recovery_codes() -> Page:
    """Replace your recovery codes with ten new ones (the old ones stop working)."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    codes = twofactor.new_recovery_codes(current_user.user)
    audit.record(
        "user.recovery_codes_made",
        actor_type="user",
        actor_id=current_user.id,
        target_type="user",
        target_id=current_user.id,
    )
    db.session.commit()
    return _recovery_codes_page(codes, url_for("auth.account"))


@bp.post("/logout")
@require(OWN_ACCOUNT)
def logout() -> WerkzeugResponse:
    """Sign out: the server-side session ends, so the cookie opens nothing even if replayed."""
    if LogoutForm().validate_on_submit():
        staff.end_session(current_user.session_token)
        _signed_out("user.signed_out", "You have signed out.")
    return redirect(url_for("auth.login"))


@bp.post("/sign-out-everywhere")
@require(OWN_ACCOUNT)
def sign_out_everywhere() -> WerkzeugResponse:
    """End every session of your account, on every device, this one included."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    ended = staff.end_all_sessions(current_user.id)
    _signed_out("user.signed_out_everywhere", f"You have signed out everywhere ({ended} sessions ended).")
    return redirect(url_for("auth.login"))


def _signed_out(action: str, message: str) -> None:
    user_id = current_user.id
    audit.record(action, actor_type="user", actor_id=user_id, target_type="user", target_id=user_id)
    db.session.commit()
    logout_user()
    session.clear()
    g.pop("csrf_token", None)
    flash(message)


def init_app(app: Flask) -> None:
    """Register the blueprint (and the password-reset pages), and offer the sign-out form to templates."""
    from survey.blueprints import auth_reset  # noqa: F401  (adds its views to bp)

    app.register_blueprint(bp)
    app.jinja_env.globals["logout_form"] = LogoutForm
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)  # Redis down: still limited, per process
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)

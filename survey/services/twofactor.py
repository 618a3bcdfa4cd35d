"""TOTP two-factor for staff: secrets, QR codes, codes accepted once only, and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update

from survey.extensions import db
from survey.models import RecoveryCode, User, utcnow

ISSUER = "Pledge progress reporting"
STEP_SECONDS = 30
# A code from the previous or next 30-second step is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
_NOT_CODE = re.compile(r"[\s-]")


def current_step(now: float | None = None) -> int:
    """The TOTP time step of `now` (seconds since the epoch)."""
    return int(time.time() if now is None else now) // STEP_SECONDS


def start_enrolment(user: User) -> str:
    """The secret being set up for an account not yet enrolled (made on first call); flushes."""
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        user.totp_secret = pyotp.random_base32()
        user.totp_enrolled_at = None
        user.totp_last_step = None
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data URI, drawn on the server (no script, no third party)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def accept_code(user: User, code: str) -> bool:
    """Whether `code` is a TOTP code of the account not used before; an accepted code's step (and every earlier
    one) is spent, atomically, so a replay or a race with the same code fails."""
    code = _NOT_CODE.sub("", code)
    if not user.totp_secret or not re.fullmatch(r"[0-9]{6}", code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if not hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            continue
        spent = db.session.execute(
            update(User)
            .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session="fetch")
        )
        return spent.rowcount == 1
    return False


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Finish setting up two-factor with a first code; returns the ten new recovery codes, or None when the code
    is not right."""
    if user.totp_enrolled_at is not None or not accept_code(user, code):
        return None
    user.totp_enrolled_at = utcnow()
    return new_recovery_codes(user)


def _code_hash(code: str) -> str:
    return hashlib.sha256(_NOT_CODE.sub("", code).lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; only their hashes are kept. Flushes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2)) for _ in range(10)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the account; False when it is not one, or was used."""
    if not 8 <= len(code) <= 40:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code), RecoveryCode.used_at.is_(None)
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the account has."""
    return (
        db.session.scalar(select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
        or 0
    )


def enrol_with_secret(user: User, secret: str) -> None:
    """Set up two-factor with a known secret (the demo and tests derive theirs); flushes."""
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = None
    db.session.flush()

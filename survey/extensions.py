"""Unbound extensions; `create_app` binds each with `init_app`."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from survey.models.base import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage is chosen at init_app from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set, memory otherwise).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def read_in_autocommit() -> None:
    """Run this request's statements in autocommit: no BEGIN and COMMIT round trips around a page's reads, and no
    ROLLBACK at its end, on which psycopg forgets the statements it prepared (every query was planned again at
    every page). What a page reads is unchanged: under READ COMMITTED each statement of a transaction sees its own
    snapshot anyway. For GETs only (respondent and staff pages), whose writes are single statements (extending a
    session, marking a notice seen); every POST runs in one transaction."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

"""Unbound extensions (`create_app` binds each with `init_app`), and how a request's statements run on them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import text

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


@contextmanager
def custom_plans() -> Iterator[None]:
    """On PostgreSQL, plan the block's statements for their own values. psycopg prepares a statement that has run
    five times, and PostgreSQL then may settle on a generic plan, which cannot know that one round holds thirty
    reports and another three thousand: the review list's generic plan at 3,000 organisations was seven times
    slower than the plan made for its values, and the dashboard's table walked 3,000 organisations for a round of
    thirty. Planning afresh costs a millisecond or less. A page's reads run in autocommit (`read_in_autocommit`),
    so the setting is the connection's until the block resets it."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(text("SET plan_cache_mode = force_custom_plan"))
    try:
        yield
    finally:
        db.session.execute(text("RESET plan_cache_mode"))

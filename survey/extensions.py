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

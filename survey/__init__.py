"""The pledge reporting app: `create_app` builds it; nothing happens at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, or from `config` (tests) layered on top of it."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    from survey import assets, auth, cli, errors, logs, permissions, queue, security
    from survey.blueprints import auth as auth_views
    from survey.blueprints import manage, public, published, respond, review
    from survey.config import Settings
    from survey.extensions import csrf, db
    from survey.services import templating

    if config and config.get("TESTING"):
        app.config.update(config)
    else:
        app.config.update(Settings.from_env().flask_config(Path(app.instance_path)))
        app.config.update(config or {})

    db.init_app(app)
    _bind_migrations(app)
    security.init_app(app)  # before CSRF: the origin and size checks come first
    csrf.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    queue.init_app(app)
    auth.init_app(app)
    permissions.init_app(app)
    public.init_app(app)
    respond.init_app(app)
    auth_views.init_app(app)
    manage.init_app(app)
    review.init_app(app)
    published.init_app(app)
    cli.init_app(app)
    return app


def _bind_migrations(app: Flask) -> None:
    """Bind Flask-Migrate where migrations can run: `flask db …` and other CLI commands, or when a caller sets
    `BIND_MIGRATIONS` (the migration tests). Web and worker processes skip it: Alembic alone holds 11 MiB."""
    import click

    if click.get_current_context(silent=True) is None and not app.config.get("BIND_MIGRATIONS"):
        return
    from flask_migrate import Migrate

    from survey.extensions import db

    Migrate(compare_type=True, render_as_batch=True).init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations")
    )

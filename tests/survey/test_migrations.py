"""The migrations build, from empty, exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from survey import create_app
from survey.config import database_url
from survey.models import Base

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database of the kind the suite runs on."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = database_url(base)
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        engine = create_engine(empty_database)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        command.downgrade(config, "base")
        with engine.connect() as conn:
            remaining = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type='table' AND name != 'alembic_version'")
                if engine.dialect.name == "sqlite"
                else text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename != 'alembic_version'"
                )
            ).all()
        assert remaining == []
        engine.dispose()

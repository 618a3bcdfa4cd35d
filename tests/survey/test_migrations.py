"""The migrations build, from empty, exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

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


@contextmanager
def migrations(url: str) -> Iterator[Config]:
    """Alembic's configuration for the app's migrations on this database, inside an app context."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": url, "BIND_MIGRATIONS": True})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
        config.attributes["configure_logger"] = False
        yield config


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database: str) -> None:
    with migrations(empty_database) as config:
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


def test_section_states_move_from_the_json_map_to_rows_and_back(empty_database: str) -> None:
    """0002 carries each response's section map over as rows (and its downgrade puts the map back)."""
    with migrations(empty_database) as config:
        engine = _seeded_at(config, empty_database, "0001")
        now = SEEDED_AT
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO responses (id, round_id, organisation_id, reference, status, "
                    "section_states, last_activity_at) VALUES (1, 1, 1, 'PLG-AAAA-BBBB', 'in_progress', "
                    f'\'{{"about": "completed", "commitment-2": "in_progress"}}\', \'{now}\')'
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT section_key, status FROM section_states WHERE response_id = 1 ORDER BY section_key")
            ).all()
        assert [tuple(r) for r in rows] == [("about", "completed"), ("commitment-2", "in_progress")]
        command.downgrade(config, "0001")
        with engine.connect() as conn:
            restored = conn.execute(text("SELECT section_states FROM responses WHERE id = 1")).scalar_one()
        restored = json.loads(restored) if isinstance(restored, str) else restored
        assert restored == {"about": "completed", "commitment-2": "in_progress"}
        engine.dispose()


SEEDED_AT = "2026-11-30 10:00:00"


def _seeded_at(config: Config, url: str, revision: str):
    """Upgrade an empty database to `revision` and add the rows every migration test needs; returns its engine."""
    command.upgrade(config, revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        _seed_0001(conn, SEEDED_AT)
    return engine


def _seed_0001(conn, now: str) -> None:
    """The rows every later migration test needs, as 0001 shaped them: a pledge, a round, a response."""
    conn.execute(
        text(f"INSERT INTO pledges (id, slug, name, description, created_at) VALUES (1, 'p', 'P', '', '{now}')")
    )
    conn.execute(
        text(
            f"INSERT INTO questionnaire_versions (id, pledge_id, key, version, title, definition, "
            f"created_at) VALUES (1, 1, 'q', 1, 'Q', '{{}}', '{now}')"
        )
    )
    conn.execute(
        text(
            f"INSERT INTO rounds (id, pledge_id, number, name, opens_on, deadline, allow_late, "
            f"questionnaire_version_id, created_at) VALUES (1, 1, 1, 'R', '2026-11-01', "
            f"'2026-12-31', true, 1, '{now}')"
        )
    )
    conn.execute(
        text(
            f"INSERT INTO organisations (id, pledge_id, name, kind, region, created_at) "
            f"VALUES (1, 1, 'Org', 'council', '', '{now}')"
        )
    )


def test_decisions_move_to_code_decisions_and_states_are_checked(empty_database: str) -> None:
    """0003 turns each code's recorded decision into a code_decisions row, and refuses states no enum names."""
    with migrations(empty_database) as config:
        engine = _seeded_at(config, empty_database, "0002")
        now = SEEDED_AT
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO responses (id, round_id, organisation_id, reference, status) "
                    "VALUES (1, 1, 1, 'PLG-AAAA-BBBB', 'submitted')"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO answers (id, response_id, field_key, question_key, revision, updated_at, "
                    f"tagging, text) VALUES (1, 1, 'c1.actions', 'actions', 1, '{now}', 'tagged', 'x')"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO users (id, email, name, role, created_at) "
                    f"VALUES (7, 'r@x.example', 'R', 'reviewer', '{now}')"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO codebook_versions (id, pledge_id, version, name, data, created_at) "
                    f"VALUES (1, 1, 1, 'C', '{{}}', '{now}')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO themes (id, codebook_version_id, key, name, description, position) "
                    "VALUES (1, 1, 'a', 'A', '', 0), (2, 1, 'b', 'B', '', 1)"
                )
            )
            for code_id, theme, status, reviewer in ((1, "a", "accepted", "7"), (2, "b", "proposed", "NULL")):
                conn.execute(
                    text(
                        f"INSERT INTO codes (id, answer_id, theme_id, theme_key, codebook_version_id, source, status, "
                        f"spans, answer_revision, note, created_at, reviewed_by_id, reviewed_at) VALUES ({code_id}, 1, "
                        f"{code_id}, '{theme}', 1, 'rule', '{status}', '[]', 1, '', '{now}', {reviewer}, '{now}')"
                    )
                )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            decisions = conn.execute(text("SELECT code_id, reviewer_id, decision FROM code_decisions")).all()
        assert [tuple(d) for d in decisions] == [(1, 7, "accepted")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE responses SET status = 'sent' WHERE id = 1"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE codes SET status = 'maybe' WHERE id = 1"))
        command.downgrade(config, "0002")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT id, reviewed_by_id FROM codes ORDER BY id")).all()
        assert [tuple(b) for b in back] == [(1, 7), (2, None)]
        engine.dispose()

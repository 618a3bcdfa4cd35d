"""The section page's SQL budget: the respondent pages stay a handful of queries however the page grows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from survey.extensions import db as _db

SECTION_GET_MAX_STATEMENTS = 2


@pytest.fixture()
def statements(app: object) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test is counting."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_section_get_runs_at_most_two_statements(factory, client, statements: list[str]) -> None:
    """Session, response, contact, organisation, round, pre-fill check and titles in one query; then answers."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-1"
    assert client.get(url).status_code == 200  # warm the questionnaire cache
    statements.clear()
    page = client.get(url)
    assert page.status_code == 200
    assert "Commitment 1" in page.text
    assert len(statements) <= SECTION_GET_MAX_STATEMENTS, "\n".join(statements)


SECTION_SAVE_MAX_STATEMENTS = 7


def test_a_section_save_runs_at_most_seven_statements(factory, client, statements: list[str]) -> None:
    """Session, answers, the claim (which records the activity), the answer and its revision, the section state
    and the audit event: no second UPDATE of the response."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    assert client.post(url, {"actions": "First save.", "action": "later"}).status_code == 302  # response started
    page = client.get(url).text
    revision = re.search(r'name="rev__actions" value="(\d+)"', page)
    assert revision is not None
    statements.clear()
    reply = client.post(url, {"actions": "Second save.", "rev__actions": revision.group(1), "action": "later"})
    assert reply.status_code == 302 and reply.headers["location"] == f"/respond/{resp.id}/"
    assert len(statements) <= SECTION_SAVE_MAX_STATEMENTS, "\n".join(statements)
    assert sum(s.lstrip().upper().startswith("UPDATE RESPONSES") for s in statements) == 1, "\n".join(statements)

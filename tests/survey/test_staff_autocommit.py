"""Staff pages read as the respondent pages do: a GET in autocommit (psycopg keeps its prepared statements, which
a ROLLBACK at the end of each request would drop); a decision is still written in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from survey.extensions import db as _db
from survey.models import Code
from tests.staff_login import sign_in
from tests.survey.review_data import coded_answers


def test_staff_gets_read_in_autocommit_and_a_decision_writes_in_one_transaction(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    sign_in(client, *reviewer)
    code = db.session.scalar(select(Code).where(Code.answer_id == first.id))
    round_id = first.response.round_id
    isolation: list[str | None] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "browse_versions" not in statement:  # the review data's version is bumped after a commit, on its own
            isolation.append(conn.get_execution_options().get("isolation_level"))

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        for page in (
            "/review/",
            f"/review/answers/{first.id}",
            f"/review/rounds/{round_id}/answers",
            "/review/codebook",
            f"/manage/responses/{first.response_id}",
        ):
            assert client.get(page).status_code == 200, page
        reads, isolation[:] = list(isolation), []
        decided = client.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "accepted", "seen": 0})
        assert decided.status_code == 302
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)
    assert len(reads) >= 10 and set(reads) == {"AUTOCOMMIT"}, reads
    assert len(isolation) >= 3 and "AUTOCOMMIT" not in isolation, isolation

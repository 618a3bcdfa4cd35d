"""The review list's counts are cached by the review data's version: a decision, a review or a bulk statement
committed through the session makes the next page count again; a rolled-back one does not."""

from __future__ import annotations

from sqlalchemy import select, update

from survey.models import Answer, Code, Response
from survey.models.states import CodeStatus, ResponseStatus
from survey.services import browse, browse_counts, review
from survey.services.browse import Filters, ReviewStatus
from tests.review_data import seed_round


def _status(round_id: int) -> dict[str, int]:
    return browse.page(round_id, Filters()).facets["status"]


def test_counts_follow_reviews_and_code_changes_and_ignore_rolled_back_ones(db):
    seeded = seed_round(6, commitments=1)
    db.session.commit()
    before = _status(seeded.round_id)
    assert browse_counts.version() is not None and _status(seeded.round_id) == before  # cached, and the same

    unreviewed = browse.page(seeded.round_id, Filters(status=ReviewStatus.UNREVIEWED)).rows[0].answer_id
    review.mark_reviewed(db.session.get(Answer, unreviewed), seeded.reviewers[0])
    db.session.rollback()
    assert _status(seeded.round_id) == before

    version = browse_counts.version()
    review.mark_reviewed(db.session.get(Answer, unreviewed), seeded.reviewers[0])  # an ORM flush
    db.session.commit()
    assert browse_counts.version()[1] == version[1] + 1
    after = _status(seeded.round_id)
    assert after["unreviewed"] == before["unreviewed"] - 1
    assert after.get("reviewed", 0) == before.get("reviewed", 0) + 1

    themes = browse.page(seeded.round_id, Filters()).facets["theme"]
    theme = max(themes, key=themes.get)
    ids = select(Code.id).where(Code.theme_key == theme)
    db.session.execute(update(Code).where(Code.id.in_(ids)).values(status=CodeStatus.REJECTED))  # a bulk UPDATE
    db.session.commit()
    assert theme not in browse.page(seeded.round_id, Filters()).facets["theme"]


def test_a_reopened_report_leaves_the_counts(db):
    seeded = seed_round(4, commitments=1)
    db.session.commit()
    whole = browse.page(seeded.round_id, Filters())
    response = db.session.get(Response, whole.rows[0].response_id)
    response.status = ResponseStatus.IN_PROGRESS  # reopened: no longer listed
    db.session.commit()
    assert browse.page(seeded.round_id, Filters()).total == whole.total - 3

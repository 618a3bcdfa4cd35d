"""The codes service: machine re-coding replaces its own proposed codes, and never touches a reviewed code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.models import Code
from survey.services import codebooks, codes


@pytest.fixture()
def coding(submitted, db):
    """One submitted answer, the current codebook version and three of its themes' ids by key."""
    resp = submitted.response(("We co-produced the plan with service users.",))
    version_id = codebooks.current_version_id(submitted.round.pledge_id)
    theme_ids = codebooks.theme_ids(version_id)
    keys = sorted(theme_ids)[:3]
    return resp.answers[0], version_id, {key: theme_ids[key] for key in keys}


def _row(answer, version_id: int, theme_ids: dict[str, int], key: str, spans: list[list[int]]) -> dict:
    """A code row as a tagger would write it."""
    return {
        "answer_id": answer.id,
        "theme_id": theme_ids[key],
        "theme_key": key,
        "codebook_version_id": version_id,
        "spans": spans,
        "answer_revision": answer.revision,
    }


def _stored(db) -> dict[tuple[str, str], tuple[str, list]]:
    """(theme, source) -> (status, spans) for every code."""
    db.session.expire_all()
    return {(c.theme_key, c.source): (c.status, c.spans) for c in db.session.scalars(select(Code))}


def test_rule_codes_are_upserted_kept_when_unchanged_and_deleted_when_no_longer_found(coding, db):
    answer, version_id, themes = coding
    a, b, _ = themes
    codes.write_codes(
        [_row(answer, version_id, themes, a, [[0, 2]]), _row(answer, version_id, themes, b, [[3, 5]])],
        source="rule",
        answer_ids=[answer.id],
    )
    ids = {c.theme_key: c.id for c in db.session.scalars(select(Code))}
    assert _stored(db) == {(a, "rule"): ("proposed", [[0, 2]]), (b, "rule"): ("proposed", [[3, 5]])}
    codes.write_codes([_row(answer, version_id, themes, a, [[0, 2], [6, 8]])], source="rule", answer_ids=[answer.id])
    assert _stored(db) == {(a, "rule"): ("proposed", [[0, 2], [6, 8]])}  # a updated in place, b gone
    assert db.session.scalar(select(Code.id).where(Code.theme_key == a)) == ids[a]


def test_a_reviewed_code_is_never_touched_by_machine_recoding(coding, db):
    answer, version_id, themes = coding
    a, b, c = themes
    codes.write_codes(
        [_row(answer, version_id, themes, a, [[0, 2]]), _row(answer, version_id, themes, b, [[3, 5]])],
        source="rule",
        answer_ids=[answer.id],
    )
    db.session.scalars(select(Code).where(Code.theme_key == a)).one().status = "accepted"
    db.session.scalars(select(Code).where(Code.theme_key == b)).one().status = "rejected"
    db.session.add(
        Code(
            answer_id=answer.id,
            theme_id=themes[c],
            theme_key=c,
            codebook_version_id=version_id,
            source="reviewer",
            status="proposed",
            spans=[[9, 11]],
        )
    )
    db.session.commit()
    reviewed = _stored(db)

    # Re-coding finds a and b elsewhere and c as well: none of the reviewed codes moves, c gets a rule code of its own.
    codes.write_codes(
        [_row(answer, version_id, themes, key, [[1, 4]]) for key in (a, b, c)], source="rule", answer_ids=[answer.id]
    )
    assert _stored(db) == {**reviewed, (c, "rule"): ("proposed", [[1, 4]])}
    # Re-coding finds nothing: only the unreviewed rule code goes.
    codes.write_codes([], source="rule", answer_ids=[answer.id])
    assert _stored(db) == reviewed
    # The classifier's suggestions are its own codes: the rules' are left alone.
    codes.write_codes(
        [_row(answer, version_id, themes, a, [[0, 2]]) | {"confidence": 0.8}], source="model", answer_ids=[answer.id]
    )
    assert _stored(db) == {**reviewed, (a, "model"): ("proposed", [[0, 2]])}


def test_a_code_reviewed_after_it_was_read_is_still_left_alone(coding, db, monkeypatch):
    """The rule holds in the statements themselves: a reviewer deciding between the read and the write wins."""
    answer, version_id, themes = coding
    a, b, _ = themes
    codes.write_codes(
        [_row(answer, version_id, themes, a, [[0, 2]]), _row(answer, version_id, themes, b, [[3, 5]])],
        source="rule",
        answer_ids=[answer.id],
    )
    read_before_review = codes.replaceable_codes([answer.id], "rule")
    for code in db.session.scalars(select(Code)):
        code.status = "accepted"
    db.session.commit()
    monkeypatch.setattr(codes, "replaceable_codes", lambda answer_ids, source: read_before_review)
    codes.write_codes([_row(answer, version_id, themes, a, [[7, 9]])], source="rule", answer_ids=[answer.id])
    assert _stored(db) == {(a, "rule"): ("accepted", [[0, 2]]), (b, "rule"): ("accepted", [[3, 5]])}


def test_reviewer_codes_are_not_written_as_recoding(coding):
    answer, version_id, themes = coding
    with pytest.raises(ValueError, match="reviewer"):
        codes.write_codes([], source="reviewer", answer_ids=[answer.id])

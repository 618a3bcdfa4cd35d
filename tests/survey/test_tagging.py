"""Tagging answers into codes: the stored codebook, spans, idempotency, reviewed codes, re-tagging, inline jobs,
and how the sweep judges queued jobs batch by batch (real Redis, no worker)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.job import Job as RQJob
from rq.job import JobStatus
from sqlalchemy import func, select

from nlp.codebook import load_codebook
from survey import jobs
from survey.models import Answer, Code, CodebookVersion, Job, Theme
from survey.services import codebooks, tagging
from survey.services import jobs as lifecycle
from survey.services.jobs import Launch


def _codes(db) -> list[tuple]:
    """Every code as a comparable tuple, in a stable order."""
    db.session.expire_all()
    rows = db.session.scalars(select(Code).order_by(Code.answer_id, Code.theme_key, Code.source))
    return [(c.id, c.answer_id, c.theme_key, c.source, c.status, c.spans, c.codebook_version_id) for c in rows]


def test_starting_codebook_is_seeded_once(factory, db):
    first = codebooks.ensure_starting_codebook(factory.pledge)
    again = codebooks.ensure_starting_codebook(factory.pledge)
    db.session.commit()
    shipped = load_codebook()
    assert again.id == first.id and first.version == 1
    assert db.session.scalar(select(func.count()).select_from(CodebookVersion)) == 1
    assert [t.key for t in first.themes] == [t.key for t in shipped.themes]
    assert db.session.scalar(select(func.count()).select_from(Theme)) == len(shipped.themes)
    assert codebooks.as_codebook(first).keys == shipped.keys


def test_tagging_writes_codes_with_spans_source_status_and_version(submitted, db):
    resp = submitted.response()
    job = jobs.launch(tagging.TAG, "response", resp.id).job  # inline: REDIS_URL is unset
    db.session.expire_all()
    assert job.status == "finished" and job.progress == job.total == 4
    version = codebooks.current_version(submitted.round.pledge_id)
    answers = {a.id: a for a in db.session.scalars(select(Answer).where(Answer.response_id == resp.id))}
    assert {a.tagging for a in answers.values()} == {"tagged"}
    codes = db.session.scalars(select(Code)).all()
    assert codes
    for code in codes:
        text = answers[code.answer_id].text
        assert (code.source, code.status, code.codebook_version_id) == ("rule", "proposed", version.id)
        assert code.theme.key == code.theme_key and code.theme.codebook_version_id == version.id
        assert code.answer_revision == answers[code.answer_id].revision == 1
        for start, end in code.spans:
            assert 0 <= start < end <= len(text)
        # Every machine code has a score and a level; its spans are the sentences that carry the theme.
        assert 0.5 <= code.confidence <= 1 and code.level in ("proposed", "possible")
        assert code.level == "possible" or code.confidence >= 0.8
    first = next(a for a in answers.values() if a.text.startswith("We co-produced"))
    by_theme = {c.theme_key: [first.text[s:e] for s, e in c.spans] for c in codes if c.answer_id == first.id}
    assert by_theme["community_partnership"] == [
        "We co-produced our crisis care pathway with local faith groups and service users."
    ]


def test_running_a_batch_twice_leaves_the_same_rows(submitted, db):
    resp = submitted.response()
    ids = [a.id for a in resp.answers]
    version_id = codebooks.current_version_id(submitted.round.pledge_id)
    tagging.tag_answers(ids, version_id)
    once = _codes(db)
    tagging.tag_answers(ids, version_id)
    assert _codes(db) == once and once


def test_retag_keeps_reviewed_codes_and_replaces_proposed_ones(submitted, db):
    resp = submitted.response()
    jobs.launch(tagging.TAG, "response", resp.id)
    answer = next(a for a in resp.answers if a.text.startswith("We co-produced"))
    codes = {c.theme_key: c for c in db.session.scalars(select(Code).where(Code.answer_id == answer.id))}
    assert {"community_partnership", "access_pathways"} <= set(codes)
    codes["community_partnership"].status = "accepted"
    codes["access_pathways"].status = "rejected"
    old_version = codes["community_partnership"].codebook_version_id
    barriers = db.session.scalar(select(Theme).where(Theme.key == "barriers_capacity"))
    db.session.add(
        Code(
            answer_id=answer.id,
            theme_id=barriers.id,
            theme_key="barriers_capacity",
            codebook_version_id=old_version,
            source="reviewer",
            status="accepted",
            spans=[],
        )
    )
    db.session.commit()
    reviewed = [
        c
        for c in _codes(db)
        if c[1] == answer.id and c[2] in {"community_partnership", "access_pathways", "barriers_capacity"}
    ]

    # A new codebook version without the community and access themes: their proposed codes elsewhere go.
    shipped = load_codebook().to_dict()
    shipped["themes"] = [t for t in shipped["themes"] if t["key"] not in {"community_partnership", "access_pathways"}]
    from nlp.codebook import Codebook

    new_version = codebooks.add_version(submitted.round.pledge_id, Codebook.from_dict(shipped))
    db.session.commit()
    job = jobs.launch(tagging.RETAG, "round", submitted.round.id).job
    assert job.kind == "retag" and job.status == "finished"

    after = _codes(db)
    for row in reviewed:
        assert row in after  # accepted, rejected and reviewer-added codes untouched, same id and version
    proposed = [c for c in after if c[4] == "proposed"]
    assert proposed and all(c[6] == new_version.id for c in proposed)
    assert not [c for c in proposed if c[2] in {"community_partnership", "access_pathways"}]


def test_retag_with_the_same_codebook_keeps_the_same_rows(submitted, db):
    submitted.response()
    submitted.response(("Our workforce race equality standard data shows progress in recruitment.",))
    jobs.launch(tagging.TAG, "round", submitted.round.id)
    before = _codes(db)
    job = jobs.launch(tagging.RETAG, "round", submitted.round.id).job
    assert job.total == 5 and job.status == "finished"
    assert _codes(db) == before
    assert tagging.tagging_counts(submitted.round.id) == {"tagged": 5, "pending": 0, "failed": 0}


def test_edited_answer_text_drops_codes_no_longer_found(submitted, db):
    resp = submitted.response(("We co-produced the plan with service users.",))
    jobs.launch(tagging.TAG, "response", resp.id)
    answer = resp.answers[0]
    answer.text = answer.value = "We lacked capacity and staff shortages slowed us down."
    answer.tagging = "pending"
    db.session.commit()
    jobs.launch(tagging.TAG, "response", resp.id)
    assert {c[2] for c in _codes(db)} == {"barriers_capacity"}


def test_sweep_tags_pending_answers_inline(submitted, app, db):
    submitted.response()
    submitted.response()
    result = app.test_cli_runner().invoke(args=["nlp", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 tagging job(s)" in result.output
    db.session.rollback()
    assert tagging.tagging_counts(submitted.round.id)["tagged"] == 8
    assert app.test_cli_runner().invoke(args=["nlp", "sweep"]).output.startswith("sweep: 0")


def test_retag_command_relaunches_a_round(submitted, app, db):
    submitted.response()
    jobs.launch(tagging.TAG, "round", submitted.round.id)
    result = app.test_cli_runner().invoke(args=["nlp", "retag", "--round", str(submitted.round.id)])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert (job.kind, job.status, job.total, job.progress) == ("retag", "finished", 4, 4)
    assert app.test_cli_runner().invoke(args=["nlp", "retag", "--round", "999"]).exit_code != 0


def test_a_failing_batch_marks_job_and_answers_failed(submitted, db):
    resp = submitted.response()
    job = jobs.launch(tagging.TAG, "response", resp.id).job
    from survey.jobs import run_batch

    bad = Job(
        kind="tag",
        target_type="response",
        target_id=resp.id,
        total=4,
        status="queued",
        params={"codebook_version_id": 999_999},
    )
    db.session.add(bad)
    for a in resp.answers:
        a.tagging = "pending"
    db.session.commit()
    try:
        run_batch(bad.id, [a.id for a in resp.answers])
    except tagging.TaggingError as exc:
        assert "999999" in str(exc)
    else:
        raise AssertionError("the job swallowed its error")
    db.session.expire_all()
    assert bad.status == "failed" and "codebook version 999999" in bad.error
    assert {a.tagging for a in resp.answers} == {"failed"}
    assert job.status == "finished"


def _rq_ids(db, job_id: int) -> list[str]:
    """The RQ ids the Job row records."""
    db.session.expire_all()
    return db.session.get(Job, job_id).params.get("rq_ids", [])


def test_sweep_queues_again_only_the_batch_whose_rq_job_is_gone(submitted, redis_url, db, monkeypatch):
    monkeypatch.setitem(lifecycle.KINDS, "tag", replace(tagging.TAG, batch_size=4))
    submitted.response()
    submitted.response()
    conn = Redis.from_url(redis_url)
    job, launch = jobs.launch(tagging.TAG, "round", submitted.round.id)
    first, second = _rq_ids(db, job.id)
    assert launch == Launch.STARTED and jobs.sweep() == []  # both batches wait: nothing is stuck
    assert jobs.launch(tagging.TAG, "round", submitted.round.id)[1] == Launch.JOINED
    batch_1 = RQJob.fetch(first, connection=conn).args[1]
    RQJob.fetch(first, connection=conn).delete()  # its queue entry is lost; batch 2 still waits

    assert [j.id for j in jobs.sweep()] == [job.id]
    kept, requeued = _rq_ids(db, job.id)
    assert kept == second and RQJob.fetch(requeued, connection=conn).args[1] == batch_1
    assert jobs.sweep() == []  # the new batch is live: never queued twice
    for rq_id in (second, requeued):
        RQJob.fetch(rq_id, connection=conn).delete()
    job, launch = jobs.launch(tagging.TAG, "round", submitted.round.id)  # a launch resumes a job with nothing queued
    assert launch == Launch.RESUMED and len(_rq_ids(db, job.id)) == 2
    conn.close()


def test_a_job_whose_launch_redis_refused_is_resumed_by_the_sweep(submitted, app, redis_url, db):
    resp = submitted.response()
    app.config["REDIS_URL"], app.extensions["redis"] = "redis://127.0.0.1:6390/0", None  # nothing listens here
    with pytest.raises(RedisConnectionError):
        jobs.launch(tagging.TAG, "response", resp.id)
    db.session.rollback()
    job = db.session.scalars(select(Job)).one()
    assert job.status == "queued" and tagging.pending_count("response", resp.id) == 4
    app.config["REDIS_URL"], app.extensions["redis"] = redis_url, None
    assert [j.id for j in jobs.sweep()] == [job.id]
    [rq_id] = _rq_ids(db, job.id)
    conn = Redis.from_url(redis_url)
    assert RQJob.fetch(rq_id, connection=conn).get_status() == "queued"
    assert jobs.sweep() == []
    conn.close()


def test_a_batch_rq_gave_up_on_fails_the_job_instead_of_being_queued_at_every_sweep(submitted, redis_url, db):
    resp = submitted.response()
    job = jobs.launch(tagging.TAG, "response", resp.id).job
    [rq_id] = _rq_ids(db, job.id)
    conn = Redis.from_url(redis_url)
    RQJob.fetch(rq_id, connection=conn).set_status(JobStatus.FAILED)  # its horse was killed at every retry
    assert [j.id for j in jobs.sweep()] == [job.id]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and f"{rq_id} failed" in job.error
    assert {a.tagging for a in resp.answers} == {"failed"} and jobs.sweep() == []
    conn.close()


def test_a_retag_whose_batches_rq_gave_up_on_is_started_afresh_by_the_next_launch(submitted, redis_url, db):
    submitted.response()
    old = jobs.launch(tagging.RETAG, "round", submitted.round.id).job
    conn = Redis.from_url(redis_url)
    RQJob.fetch(_rq_ids(db, old.id)[0], connection=conn).set_status(JobStatus.FAILED)
    job, launch = jobs.launch(tagging.RETAG, "round", submitted.round.id)
    assert launch == Launch.STARTED and job.id != old.id
    db.session.expire_all()
    assert db.session.get(Job, old.id).status == "failed"
    assert (job.status, job.total, len(_rq_ids(db, job.id))) == ("queued", 4, 1)
    conn.close()

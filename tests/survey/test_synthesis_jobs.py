"""Building a synthesis on the house's job lifecycle: queued on Redis and built by a real worker, joined when the
lead presses twice, and run again without a second version."""

from __future__ import annotations

import hashlib

from survey import jobs
from survey.extensions import db as _db
from survey.models import Job, Synthesis
from survey.services import syntheses
from survey.services.jobs import Launch
from tests.survey import synthesis_scenario


def test_a_worker_builds_a_queued_synthesis_once(factory, redis_url, workers, db, wait):
    s = synthesis_scenario.build(factory)
    job, outcome = jobs.launch(syntheses.BUILD, "round", s.current.id)
    assert (outcome, job.status, job.total, job.progress) == (Launch.STARTED, "queued", 1, 0)
    assert jobs.launch(syntheses.BUILD, "round", s.current.id).outcome == Launch.JOINED  # a second press joins it
    assert _db.session.query(Synthesis).count() == 0  # nothing is built in the web process
    workers.start(burst=True)
    wait(lambda: _db.session.get(Job, job.id).status == "finished", what="the build", timeout=60)
    row = _db.session.get(Job, job.id)
    assert (row.progress, row.total, row.error) == (1, 1, None)
    built = syntheses.with_content(syntheses.job_synthesis(job.id).id)
    assert (built.kind, built.version, built.round_id) == ("final", 1, s.current.id)
    assert built.sha256 == hashlib.sha256(built.pdf).hexdigest() and built.pdf.startswith(b"%PDF")
    assert (built.snapshot["reported"], built.snapshot["expected"], built.snapshot["draft"]) == (5, 6, False)

    assert jobs.run_batch(job.id, [s.current.id]) == 0  # a batch run again finds its synthesis built
    assert _db.session.query(Synthesis).count() == 1


def test_without_redis_the_build_runs_inline_and_a_draft_is_a_new_version(factory, db):
    s = synthesis_scenario.build(factory)
    first = jobs.launch(syntheses.BUILD_DRAFT, "round", s.current.id).job
    second = jobs.launch(syntheses.BUILD_DRAFT, "round", s.current.id).job
    assert first.id != second.id and first.status == second.status == "finished"
    versions = syntheses.versions(s.current.id)
    assert [(v.version, v.kind) for v in versions] == [(2, "draft"), (1, "draft")]
    assert {v.job_id for v in versions} == {first.id, second.id}  # each job stored its own version

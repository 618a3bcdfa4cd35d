"""A real worker trains the suggester: the job is queued from the web's side, the worker loads scikit-learn and the
current model before it forks, trains, and writes suggestions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey import jobs
from survey.models import ClassifierModel, Code, Job
from survey.models.states import CodeSource, JobStatus
from survey.services import suggester
from tests.survey.reviewed_answers import reviewed_rounds


def inline(app, build):
    """Run `build` with jobs inline (tagging the answers here), then give the app its Redis back."""
    url = app.config["REDIS_URL"]
    app.config["REDIS_URL"], app.extensions["redis"] = None, None
    try:
        return build()
    finally:
        app.config["REDIS_URL"], app.extensions["redis"] = url, None


@pytest.mark.worker
def test_a_worker_trains_two_versions_and_writes_suggestions(app, factory, reviewer, workers, redis_url, db, wait):
    inline(app, lambda: reviewed_rounds(factory, reviewed=10, unreviewed=2))
    job = jobs.launch(suggester.TRAIN, "pledge", factory.pledge.id).job
    assert job.status == JobStatus.QUEUED and job.params["pledge_id"] == factory.pledge.id
    worker = workers.start()
    wait(lambda: db.session.get(Job, job.id).status == JobStatus.FINISHED, what="training", timeout=120)
    assert db.session.scalar(select(ClassifierModel.version).where(ClassifierModel.job_id == job.id)) == 1
    suggestions = db.session.scalar(select(func.count()).select_from(Code).where(Code.source == CodeSource.MODEL))
    assert suggestions > 0
    # A second training (its horse forked from a parent that preloaded version 1) makes version 2.
    again = jobs.launch(suggester.TRAIN, "pledge", factory.pledge.id).job
    wait(lambda: db.session.get(Job, again.id).status == JobStatus.FINISHED, what="retraining", timeout=120)
    assert suggester.latest_model(factory.pledge.id).version == 2
    log = workers.log(0)
    assert "suggester training warmed: []" in log and "Traceback" not in log
    worker.terminate()
    worker.wait(30)

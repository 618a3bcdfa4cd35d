"""RQ job functions: they take ids, run inside an app context (the worker's or the caller's) and never swallow."""

from __future__ import annotations

import logging
import os
import time

from rq import get_current_job

from survey.services import tagging

logger = logging.getLogger(__name__)

# Test-only: seconds to pause between tagging a batch and writing it, and between writing it and counting it,
# so a test can kill a worker at either point.
TEST_DELAY_ENV = "PLEDGE_TEST_TAG_DELAY"
TEST_PROGRESS_DELAY_ENV = "PLEDGE_TEST_PROGRESS_DELAY"


def _test_pause(name: str = TEST_DELAY_ENV) -> None:
    """Sleep for as many seconds as the environment variable `name` says, when a test sets it."""
    delay = float(os.environ.get(name) or 0)
    if delay > 0:
        time.sleep(delay)


def _last_attempt() -> bool:
    """Whether RQ will not retry this job if it fails now (always true inline)."""
    job = get_current_job()
    return job is None or not job.retries_left


def tag_batch(job_id: int, answer_ids: list[int], codebook_version_id: int) -> int:
    """Tag a batch of answers with a codebook version, write their codes and update the Job row's progress."""
    try:
        tagging.mark_running(job_id)
        count = tagging.tag_answers(answer_ids, codebook_version_id, before_write=_test_pause)
        _test_pause(TEST_PROGRESS_DELAY_ENV)
        tagging.add_progress(job_id, len(answer_ids), count)
    except Exception as exc:
        logger.exception("tagging batch of job %s (%d answers) failed", job_id, len(answer_ids))
        tagging.record_failure(job_id, answer_ids, exc, final=_last_attempt())
        raise
    return count

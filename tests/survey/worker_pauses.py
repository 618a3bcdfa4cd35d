"""Pauses a test worker's batches, so a test can kill it at a known point (the Workers fixture has every worker
import this module through PLEDGE_EXTRA_JOB_MODULES).

PLEDGE_TEST_TAG_DELAY: seconds to wait once a batch is marked running, before it does its work.
PLEDGE_TEST_PROGRESS_DELAY: seconds to wait once a batch's work is committed, before it is counted.
Both are read when the batch gets there, from the worker's environment.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from survey.models import Job
from survey.services import jobs as lifecycle
from survey.services.jobs import BatchPoint

RUNNING_DELAY_ENV = "PLEDGE_TEST_TAG_DELAY"
WRITTEN_DELAY_ENV = "PLEDGE_TEST_PROGRESS_DELAY"


def _pause(env: str) -> Callable[[Job, Sequence[int]], None]:
    """A batch hook that sleeps for as many seconds as the environment variable `env` says."""

    def pause(job: Job, item_ids: Sequence[int]) -> None:
        delay = float(os.environ.get(env) or 0)
        if delay > 0:
            time.sleep(delay)

    return pause


lifecycle.on_batch(BatchPoint.RUNNING, _pause(RUNNING_DELAY_ENV))
lifecycle.on_batch(BatchPoint.WRITTEN, _pause(WRITTEN_DELAY_ENV))

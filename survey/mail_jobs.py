"""The boundary of e-mail work: queue the sending of a round's outbox, receipts after a submission, and the
automatic reminders on RQ's scheduler. These own their transactions; `survey/services/outbox.py` only flushes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from rq.registry import ScheduledJobRegistry

from survey import jobs, queue
from survey.extensions import db
from survey.models import Response, Round, utcnow
from survey.services import outbox, sending

logger = logging.getLogger(__name__)

# Automatic reminders go out at 9am UK time on their day.
REMINDER_TIME = time(9, 0)
UK = ZoneInfo("Europe/London")


def send_round(round_id: int) -> bool:
    """Queue the sending of a round's queued messages (inline without Redis); False when Redis is away, in which
    case the messages wait in the outbox for the worker's sweep. Commits."""
    try:
        jobs.launch(sending.MAIL, "round", round_id)
    except RedisError:
        db.session.rollback()
        logger.warning("Redis is unreachable: round %s's e-mail waits in the outbox", round_id, exc_info=True)
        return False
    except Exception:
        # Inline mode sent here: the batch has logged, recorded its failure on the Job row and re-raised.
        db.session.rollback()
        logger.exception("sending round %s's e-mail failed", round_id)
    return True


def after_submission(response_id: int) -> None:
    """Write the receipts of a just-submitted report and queue them; never undoes the submission. Commits."""
    try:
        response = db.session.get(Response, response_id)
        if response is None or response.submitted_at is None:
            return
        outbox.write_receipts(response)
        db.session.commit()
    except Exception:
        # The report is submitted and committed: a receipt that cannot be written is logged, never a failed page.
        db.session.rollback()
        logger.exception("the receipts of response %s could not be written", response_id)
        return
    send_round(response.round_id)


def due_reminders(round_id: int, deadline: str | None = None) -> int:
    """Remind the round's contacts who have not submitted (the RQ job the scheduler runs on a reminder day);
    the cap and minimum gap make a second run write nothing. A job scheduled for another deadline than the
    round's (`deadline`, ISO date: the round's deadline moved and this job outlived the rescheduling) writes
    nothing. Commits."""
    if deadline is not None:
        rnd = db.session.get(Round, round_id)
        if rnd is None or rnd.deadline.isoformat() != deadline:
            logger.info("round %s's reminder for a deadline of %s is stale: nothing sent", round_id, deadline)
            return 0
    try:
        written = outbox.remind_unsubmitted(round_id, actor_type="system", actor_id=None)
    except outbox.MailError as exc:
        db.session.rollback()
        logger.info("no automatic reminders for round %s: %s", round_id, exc)
        return 0
    db.session.commit()
    send_round(round_id)
    return written


def reminder_times(rnd: Round, days_before: list[int], now: datetime | None = None) -> dict[int, datetime]:
    """When each automatic reminder is due (9am UK time, that many days before the deadline), future ones only."""
    now = now or utcnow()
    due = {
        days: datetime.combine(rnd.deadline - timedelta(days=days), REMINDER_TIME, tzinfo=UK).astimezone(UTC)
        for days in days_before
    }
    return {days: at for days, at in due.items() if at > now}


def _job_id(round_id: int, days: int | str) -> str:
    return f"pledge-reminders-{round_id}-{days}"


def schedule_at(round_id: int, days: int, at: datetime, deadline: str | None = None) -> str:
    """Put one automatic reminder on RQ's scheduler (the worker runs it), for the round's deadline of the time;
    its id names round and day, so scheduling it again replaces it."""
    job = queue.queue("default").enqueue_at(
        at,
        due_reminders,
        round_id,
        deadline,
        job_id=_job_id(round_id, days),
        result_ttl=queue.RESULT_TTL,
        failure_ttl=queue.FAILURE_TTL,
        retry=queue.retry_policy(),
    )
    return job.id


def schedule_reminders(round_id: int) -> dict[int, datetime] | None:
    """Schedule the round's automatic reminders from its policy and deadline, replacing those scheduled before (a
    closed round has none); None without Redis (nothing can be scheduled)."""
    conn = queue.redis_connection()
    if conn is None:
        return None
    rnd = db.get_or_404(Round, round_id)
    times = {} if rnd.closed_at else reminder_times(rnd, list(outbox.policy(round_id).days_before))
    try:
        registry = ScheduledJobRegistry("default", connection=conn)
        for job_id in registry.get_job_ids():
            if job_id.startswith(_job_id(round_id, "")):
                registry.remove(job_id, delete_job=True)
        for days, at in times.items():
            schedule_at(round_id, days, at, rnd.deadline.isoformat())
    except RedisError:
        logger.warning("Redis is unreachable: round %s's reminders are not scheduled", round_id, exc_info=True)
        return None
    return times

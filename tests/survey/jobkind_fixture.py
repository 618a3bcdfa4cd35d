"""A second job kind with no tagging in it, for the lifecycle tests: "shout" upper-cases the names of an
organisation's contacts, two at a time. A contact whose name says "fail" makes its batch raise.

The test process imports it as `tests.survey.jobkind_fixture`; a worker loads it with
`PLEDGE_EXTRA_JOB_MODULES=tests.survey.jobkind_fixture` (the Workers fixture's `modules=`).
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import Contact, Job
from survey.services import jobs as lifecycle
from survey.services.jobs import JobKind

NOT_SHOUTED = Contact.name != func.upper(Contact.name)


class ShoutRefused(RuntimeError):
    """A contact asked its batch to fail."""


def pending(job: Job) -> list[int]:
    """The organisation's contacts whose names are not upper case yet, in id order."""
    return list(
        db.session.scalars(
            select(Contact.id).where(Contact.organisation_id == job.target_id, NOT_SHOUTED).order_by(Contact.id)
        )
    )


def run(job: Job, contact_ids: list[int]) -> int:
    """Upper-case the names of a batch of contacts; how many changed (0 when the batch ran before)."""
    names = db.session.scalars(select(Contact.name).where(Contact.id.in_(contact_ids), NOT_SHOUTED))
    if any("fail" in name.lower() for name in names):
        raise ShoutRefused(f"a contact of organisation {job.target_id} asked its batch to fail")
    table = Contact.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id.in_(contact_ids), table.c.name != func.upper(table.c.name))
        .values(name=func.upper(table.c.name))
    )
    return result.rowcount


SHOUT = lifecycle.register(JobKind("shout", pending=pending, run=run, queue="default", batch_size=2))

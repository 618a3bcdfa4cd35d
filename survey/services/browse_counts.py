"""The review list's counts (total, organisations, every facet) and a round's themes, cached per process by round
(and filters) and the review data's version: a page of a large round then costs what a page of a small one does.

The version (`browse_versions`, one row) goes up after every commit that wrote answers, responses, organisations,
codes, decisions, reviews or codebook versions through the session (an ORM flush or a statement on those tables):
a reader takes the version before it counts, so counts cached under a version are never older than its data.
Entries also expire after `TTL` seconds, for writes that bypass the session (a raw engine connection) or a bump
lost with a process.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from survey.extensions import db
from survey.models.browse import BrowseVersion
from survey.models.states import ResponseStatus

TABLES = frozenset(
    {
        "answers",
        "responses",
        "organisations",
        "codes",
        "code_decisions",
        "answer_reviews",
        "codebook_versions",
        "themes",
    }
)
TTL = 60.0
SIZE = 256
_DIRTY = "browse_dirty"
_CACHE: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()


def version() -> tuple[str, int] | None:
    """The review data's current version with its database's token (None before the first bump)."""
    row = db.session.execute(select(BrowseVersion.token, BrowseVersion.version).where(BrowseVersion.id == 1)).first()
    return tuple(row) if row else None


def counts(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """The counts for `key` under the current version: cached, or computed now and kept."""
    current = version()
    if current is None:
        return compute()
    full = (*current, *key)
    now = time.monotonic()
    hit = _CACHE.get(full)
    if hit is not None and now - hit[0] < TTL:
        _CACHE.move_to_end(full)
        return hit[1]
    value = compute()
    _CACHE[full] = (now, value)
    while len(_CACHE) > SIZE:
        _CACHE.popitem(last=False)
    return value


def bump(connection: Any) -> None:
    """Raise the version by one, in its own statement (the row is made when missing)."""
    done = connection.execute(
        update(BrowseVersion).where(BrowseVersion.id == 1).values(version=BrowseVersion.version + 1)
    )
    if done.rowcount == 0:
        try:
            connection.execute(BrowseVersion.__table__.insert().values(id=1, version=1, token=uuid.uuid4().hex))
        except IntegrityError:  # another process made it meanwhile
            connection.execute(
                update(BrowseVersion).where(BrowseVersion.id == 1).values(version=BrowseVersion.version + 1)
            )


def _counted(obj: Any, changed: bool) -> bool:
    """Whether flushing this object changes what the list counts. A respondent's saves do not: an answer's text
    changes only while its report is in progress (not listed), and a response counts once submitted."""
    table = getattr(type(obj), "__tablename__", None)
    if table == "answers":
        return False
    if table == "responses" and changed:  # only submitted reports are listed
        history = inspect(obj).attrs.status.history
        return ResponseStatus.SUBMITTED in (*history.added, *history.deleted)
    return table in TABLES


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, context: Any) -> None:
    """Note a flush that wrote something the list counts."""
    if any(_counted(o, False) for o in (*session.new, *session.deleted)) or any(
        _counted(o, True) for o in session.dirty
    ):
        session.info[_DIRTY] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    """Note an INSERT, UPDATE or DELETE statement on one of the counted tables."""
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name == "responses" and state.is_update:  # a respondent's write claims the row: only its status counts
            values = getattr(state.statement, "_values", None) or {}
            if values and "status" not in {getattr(k, "key", k) for k in values}:
                return
        if name in TABLES:
            state.session.info[_DIRTY] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """After a commit that wrote counted data: bump the version on a connection of its own (autocommit)."""
    if session.info.pop(_DIRTY, False):
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            bump(connection)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """A rolled-back write changed nothing."""
    session.info.pop(_DIRTY, None)

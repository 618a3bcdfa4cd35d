"""The pledge lead's pages: rounds' tagging state, re-tagging, and background job progress."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from redis.exceptions import RedisError
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.manage import RetagForm
from survey import jobs
from survey.extensions import db
from survey.models import Job, Response, Round
from survey.permissions import MANAGE_ROUNDS, READ_REPORTS, require
from survey.services import codebooks, coded, rounds, tagging
from survey.services.jobs import Launch

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
@require(MANAGE_ROUNDS)
def index() -> str:
    """The rounds, newest first."""
    return render_template("manage/index.html", rounds=rounds.all_rounds())


@bp.get("/rounds/<int:round_id>")
@require(MANAGE_ROUNDS)
def round_detail(round_id: int) -> str:
    """A round's tagging state: answers tagged, pending and failed, codes per theme and level, the codebook, the
    latest re-tag."""
    rnd = db.get_or_404(Round, round_id)
    return render_template(
        "manage/round.html",
        round=rnd,
        counts=tagging.tagging_counts(rnd.id),
        codebook=codebooks.current_version(rnd.pledge_id),
        form=RetagForm(),
        job=tagging.latest_job("round", rnd.id),
        responses=rounds.responses_of(rnd.id),
        levels=coded.level_counts(rnd.id),
    )


def submitted_response_or_403(response_id: int) -> Response:
    """A report staff may read: a draft belongs to its organisation until it is submitted (404 when unknown)."""
    response = db.get_or_404(Response, response_id)
    if response.status != "submitted":
        abort(
            403,
            "This report has not been submitted yet. Staff can read a report once its organisation "
            "submits it; until then it is the organisation's draft.",
        )
    return response


@bp.get("/responses/<int:response_id>")
@require(READ_REPORTS)
def response_detail(response_id: int) -> str:
    """One organisation's whole report as the template lays it out, free text with its themes and evidence marked."""
    response = submitted_response_or_403(response_id)
    return render_template("manage/response.html", response=response, report=coded.staff_report(response))


@bp.post("/rounds/<int:round_id>/retag")
@require(MANAGE_ROUNDS)
def retag(round_id: int) -> WerkzeugResponse:
    """Re-tag the round with the current codebook; a second press joins the job under way, or restarts it when
    its queued work was lost. The launch commits (its Job row before its batches are queued)."""
    rnd = db.get_or_404(Round, round_id)
    if not RetagForm().validate_on_submit():
        flash("The form expired: press the button again.")
        return redirect(url_for("manage.round_detail", round_id=rnd.id))
    try:
        job, launch = jobs.launch(tagging.RETAG, "round", rnd.id)
    except RedisError:
        db.session.rollback()
        flash(
            "The job queue cannot be reached: the answers are marked for re-tagging and will be tagged when it is back."
        )
        return redirect(url_for("manage.round_detail", round_id=rnd.id))
    flash(
        {
            Launch.STARTED: "Re-tagging has started.",
            Launch.JOINED: "Re-tagging was already under way: here is its progress.",
            Launch.RESUMED: "Re-tagging had stopped before it finished: it has been restarted.",
        }[launch]
    )
    return redirect(url_for("manage.job_detail", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@require(MANAGE_ROUNDS)
def job_detail(job_id: int) -> str:
    """A background job's progress; the page refreshes itself while the job runs."""
    job = db.get_or_404(Job, job_id)
    return render_template("manage/job.html", job=job, round=_round_of(job))


def _round_of(job: Job) -> Round | None:
    """The round a job works on, for the back link."""
    return db.session.get(Round, job.target_id) if job.target_type == "round" and job.target_id else None


def init_app(app: Flask) -> None:
    """Register the blueprint with the views of every module of this package."""
    # Each module of the package adds its views to `bp` when imported (one module per concern of the lead's work).
    app.register_blueprint(bp)


# Each module of the lead's pages adds its views to `bp`.
from survey.blueprints.manage import (  # noqa: E402, F401
    audit,
    dashboard,
    documents,
    exports,
    mail,
    org_imports,
    organisations,
    rounds_admin,
    suggester,
    syntheses,
    users,
)

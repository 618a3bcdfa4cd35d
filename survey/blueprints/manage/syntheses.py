"""The lead's synthesis pages: build a version (as a job), follow it, read it as HTML, download it, publish it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.syntheses import BuildSynthesisForm, PublishForm
from survey import jobs
from survey.auth import require_role
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Job, Round, Synthesis, SynthesisKind
from survey.services import audit, syntheses
from survey.services.downloads import csv_download, pdf_download


def synthesis_or_404(synthesis_id: int) -> Synthesis:
    """A stored synthesis with its PDF and snapshot, or 404."""
    return syntheses.with_content(synthesis_id) or abort(404)


@bp.get("/rounds/<int:round_id>/syntheses")
@require_role("lead")
def syntheses_page(round_id: int) -> str:
    """A round's synthesis versions, and the form to build a new one."""
    rnd = db.get_or_404(Round, round_id)
    return render_template(
        "syntheses/manage.html",
        round=rnd,
        versions=syntheses.versions(rnd.id),
        form=BuildSynthesisForm(),
        publish_form=PublishForm(),
    )


@bp.post("/rounds/<int:round_id>/syntheses")
@require_role("lead")
def build_synthesis(round_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Build a new version as a job (inline without Redis); a second press joins the build under way."""
    rnd = db.get_or_404(Round, round_id)
    form = BuildSynthesisForm()
    if not form.validate_on_submit():
        page = render_template(
            "syntheses/manage.html",
            round=rnd,
            versions=syntheses.versions(rnd.id),
            form=form,
            publish_form=PublishForm(),
        )
        return page, 400
    try:
        kind = SynthesisKind(form.kind.data)
        job, launched = jobs.launch(syntheses.kind_for(kind), "round", rnd.id, {"user_id": current_user.id})
    except RedisError:
        db.session.rollback()
        flash("The job queue cannot be reached: try again in a minute.")
        return redirect(url_for("manage.syntheses_page", round_id=rnd.id))
    if launched == jobs.Launch.STARTED:
        audit.record("synthesis.build_started", actor_type="user", actor_id=current_user.id, target_type="round",
                     target_id=rnd.id, summary=rnd.name, kind=str(kind), job=str(job.id))  # fmt: skip
        db.session.commit()
    return redirect(url_for("manage.synthesis_job", job_id=job.id))


@bp.get("/syntheses/jobs/<int:job_id>")
@require_role("lead")
def synthesis_job(job_id: int) -> str:
    """A build's progress; the download is offered when it has finished."""
    job = db.get_or_404(Job, job_id)
    if job.kind not in (syntheses.BUILD.name, syntheses.BUILD_DRAFT.name):
        abort(404)
    return render_template(
        "syntheses/job.html",
        job=job,
        round=db.session.get(Round, job.target_id),
        synthesis=syntheses.job_synthesis(job.id),
    )


@bp.get("/syntheses/<int:synthesis_id>")
@require_role("lead", "reviewer")
def synthesis_html(synthesis_id: int) -> str:
    """A version as a web page, each figure and quote linked to the coded answers behind it."""
    synthesis = synthesis_or_404(synthesis_id)
    data = syntheses.from_snapshot(synthesis.snapshot)
    return render_template(
        "syntheses/report.html",
        synthesis=synthesis,
        data=data,
        staff=True,
        publish_form=PublishForm(),
        rules=syntheses.RATE_RULES,
    )


@bp.get("/syntheses/<int:synthesis_id>.pdf")
@require_role("lead", "reviewer")
def synthesis_pdf(synthesis_id: int) -> WerkzeugResponse:
    """A version's PDF, as stored."""
    synthesis = synthesis_or_404(synthesis_id)
    return pdf_download(synthesis.pdf, syntheses.filename(synthesis, "pdf"))


@bp.get("/syntheses/<int:synthesis_id>.csv")
@require_role("lead", "reviewer")
def synthesis_csv(synthesis_id: int) -> WerkzeugResponse:
    """A version's figures as CSV."""
    synthesis = synthesis_or_404(synthesis_id)
    return csv_download(syntheses.figures(synthesis), syntheses.filename(synthesis, "csv"))


@bp.post("/syntheses/<int:synthesis_id>/publish")
@require_role("lead")
def publish_synthesis(synthesis_id: int) -> WerkzeugResponse:
    """Publish a version for publication: readers find it on the public page."""
    synthesis = db.get_or_404(Synthesis, synthesis_id)
    if not PublishForm().validate_on_submit():
        flash("The form expired: press the button again.")
    else:
        try:
            syntheses.publish(synthesis, current_user.id)
            db.session.commit()
            flash(f"Version {synthesis.version} is published.")
        except syntheses.PublishError as exc:
            flash(str(exc))
    return redirect(url_for("manage.syntheses_page", round_id=synthesis.round_id))

"""The lead runs rounds: create (optionally from the previous round), dates and settings, close; re-open a
submitted report with a reason, and the respondents' re-open requests."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import ButtonForm
from forms.rounds import NewRoundForm, ReopenForm, RoundSettingsForm
from survey import mail_jobs
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Response, Round
from survey.permissions import MANAGE_ROUNDS, require
from survey.services import pledges, round_admin, rounds
from survey.validate import ValidationError

Page = str | WerkzeugResponse | tuple[str, int]


def _settings(form: RoundSettingsForm) -> round_admin.RoundSettings:
    return round_admin.RoundSettings(
        name=form.name.data or "", opens_on=form.opens_on.data, deadline=form.deadline.data,  # type: ignore[arg-type]
        allow_late=form.allow_late.data == "yes", contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "", privacy_notice=form.privacy_notice.data or "",
    )  # fmt: skip


def _refused(form: RoundSettingsForm, problems: dict[str, str]) -> bool:
    """Put the service's messages on the form's fields; True when there were any."""
    for key, message in problems.items():
        form[key].errors = [*form[key].errors, message]  # type: ignore[index]
    return bool(problems)


@bp.route("/rounds/new", methods=["GET", "POST"])
@require(MANAGE_ROUNDS)
def round_new() -> Page:
    """Create a round; from an earlier round it keeps that round's organisations and questionnaire (or newer)."""
    pledge = pledges.ensure_pledge()
    form = NewRoundForm()
    previous_rounds = [r for r in rounds.all_rounds() if r.pledge_id == pledge.id]
    form.previous_round_id.choices = [("", "None: every current organisation")] + [
        (str(r.id), r.name) for r in previous_rounds
    ]
    previous = next((r for r in previous_rounds if str(r.id) == form.previous_round_id.data), None)
    form.questionnaire_version_id.choices = [
        (str(v.id), f"{v.title} (version {v.version})") for v in round_admin.versions_for(None, pledge.id)
    ]
    if form.validate_on_submit():
        settings = _settings(form)
        if not _refused(form, round_admin.check_settings(settings)):
            try:
                rnd = round_admin.create(
                    pledge,
                    settings,
                    questionnaire_id=int(form.questionnaire_version_id.data),
                    previous=previous,
                    actor_id=current_user.id,
                )
            except ValidationError as exc:
                db.session.rollback()
                _refused(form, {"questionnaire_version_id" if "questionnaire" in str(exc) else "name": str(exc)})
            else:
                db.session.commit()
                flash(
                    f"{rnd.name} is created with {len(rounds.responses_of(rnd.id))} organisations expected to report."
                )
                return redirect(url_for("manage.round_detail", round_id=rnd.id))
    db.session.commit()  # the pledge, on a first visit
    return render_template("manage/round_form.html", form=form, round=None), (400 if form.errors else 200)


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@require(MANAGE_ROUNDS)
def round_settings(round_id: int) -> Page:
    """Change a round's dates, late submissions, contact and privacy notice."""
    rnd = db.get_or_404(Round, round_id)
    fields = ("name", "opens_on", "deadline", "contact_name", "contact_email", "privacy_notice")
    form = RoundSettingsForm(
        data={**{k: getattr(rnd, k) for k in fields}, "allow_late": "yes" if rnd.allow_late else "no"}
    )
    if form.validate_on_submit():
        settings = _settings(form)
        if not _refused(form, round_admin.check_settings(settings)):
            changed = round_admin.change(rnd, settings, actor_id=current_user.id)
            db.session.commit()
            moved = "deadline" in changed and mail_jobs.schedule_reminders(rnd.id)
            moved_note = " Its automatic reminders move with the deadline." if moved else ""
            flash("The round's settings are saved." + moved_note)
            return redirect(url_for("manage.round_settings", round_id=rnd.id))
    return render_template("manage/round_form.html", form=form, round=rnd, button=ButtonForm()), (
        400 if form.errors else 200
    )


@bp.post("/rounds/<int:round_id>/close")
@require(MANAGE_ROUNDS)
def round_close(round_id: int) -> WerkzeugResponse:
    """Close the round (no more saves, invitation links stop working), or open it again."""
    rnd = db.get_or_404(Round, round_id)
    if ButtonForm().validate_on_submit():
        messages = round_admin.set_closed(rnd, rnd.closed_at is None, actor_id=current_user.id)
        db.session.commit()
        mail_jobs.schedule_reminders(rnd.id)  # a closed round has none; an opened one gets its policy's again
        if rnd.closed_at:
            flash(f"{rnd.name} is closed." + (f" {messages} unsent e-mail(s) are held back." if messages else ""))
        else:
            if messages:
                mail_jobs.send_round(rnd.id)
            flash(f"{rnd.name} is open again." + (f" {messages} held-back e-mail(s) are sent." if messages else ""))
    return redirect(url_for("manage.round_settings", round_id=rnd.id))


@bp.get("/reopen-requests")
@require(MANAGE_ROUNDS)
def reopen_requests() -> str:
    """Respondents' requests to re-open a submitted report, waiting for the lead."""
    return render_template("manage/reopen_requests.html", requests=round_admin.open_requests())


@bp.route("/responses/<int:response_id>/reopen", methods=["GET", "POST"])
@require(MANAGE_ROUNDS)
def response_reopen(response_id: int) -> Page:
    """Re-open a submitted report with a reason (audited), so its organisation can change and submit it again."""
    response = db.get_or_404(Response, response_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            round_admin.reopen_response(response, form.reason.data or "", actor_id=current_user.id)
        except ValidationError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{response.organisation.name}'s report ({response.reference}) is re-opened.")
            return redirect(url_for("manage.reopen_requests"))
    requests = [r for r in round_admin.open_requests() if r[1].id == response.id]
    return render_template("manage/reopen.html", response=response, form=form, requests=requests), (
        400 if form.errors else 200
    )

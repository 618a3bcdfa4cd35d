"""The signatory's journey: task list, section pages, conflicts, check answers, submit, confirmation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.questionnaire import SectionForm, expected_field_names, section_form_class
from forms.respond import ConflictForm, DeclarationForm, PrefillForm, SignOutForm
from survey.extensions import db
from survey.models import Response
from survey.questionnaire import Questionnaire, Section
from survey.services import access, responses
from survey.services.tagging import after_submission

bp = Blueprint("respond", __name__, url_prefix="/respond")
View = Callable[..., Any]


def current_respondent() -> access.Respondent | None:
    """The respondent signed in on this browser, if any."""
    if "respondent" not in g:
        g.respondent = access.respondent_for(session.get("respondent"))
        if db.session.dirty:
            db.session.commit()  # the session's idle expiry moved on
    return g.respondent


def respondent_required(view: View) -> View:
    """Load the response named in the URL for its own respondent; 404 for anyone else's."""

    @wraps(view)
    def wrapped(response_id: int, **kwargs: Any) -> Any:
        respondent = current_respondent()
        if respondent is None:
            return render_template("respond/signed_out.html"), 401
        if respondent.response_id != response_id:
            abort(404)
        g.response = respondent.response
        g.contact = respondent.contact
        g.previous_id = respondent.previous_id  # first report? pre-fill offer?
        g.questionnaire = responses.questionnaire_for(
            g.response, first_report=g.previous_id is None, commitments=respondent.commitments
        )
        return view(response_id, **kwargs)

    return wrapped


def get_section_or_404(key: str) -> Section:
    """The section of this response's questionnaire with this key, or 404."""
    section = g.questionnaire.section(key)
    if section is None:
        abort(404)
    return section


def _next_url(questionnaire: Questionnaire, section: Section, response_id: int) -> str:
    keys = [s.key for s in questionnaire.sections]
    position = keys.index(section.key)
    if position + 1 < len(keys):
        return url_for(".section", response_id=response_id, key=keys[position + 1])
    return url_for(".check", response_id=response_id)


def _reject_forged_fields(form: SectionForm) -> None:
    unexpected = sorted(set(request.form) - expected_field_names(form))
    if unexpected:
        abort(400, f"The form contained fields this page does not have: {', '.join(unexpected[:5])}")


@bp.get("/<int:response_id>/")
@respondent_required
def task_list(response_id: int) -> str:
    """The report's sections with their statuses."""
    statuses = responses.section_statuses(g.questionnaire, g.response)
    return render_template(
        "respond/task_list.html",
        statuses=statuses,
        completed=sum(1 for s in statuses.values() if s == "completed"),
        conflicts=responses.open_conflicts(response_id, g.contact.id),
    )


@bp.route("/<int:response_id>/sections/<key>", methods=["GET", "POST"])
@respondent_required
def section(response_id: int, key: str) -> str | WerkzeugResponse:
    """One section of the questionnaire: Save and continue, or Save and come back later."""
    sec = get_section_or_404(key)
    form_class = section_form_class(sec)
    if not g.response.is_editable:
        if request.method == "POST":  # a colleague submitted while this page was open: keep what was sent
            responses.refuse_late_save(g.response, sec, form_class().values(), g.contact.id)
        return redirect(url_for(".report", response_id=response_id))
    answers = responses.answers_by_key(response_id)
    defaults = {q.key: responses.prefill_value(q, g.response.organisation, g.contact) for q in sec.questions}
    form = form_class() if request.method == "POST" else form_class(data=responses.form_data(sec, answers, defaults))
    if request.method == "POST":
        _reject_forged_fields(form)
        form.completing = request.form.get("action") != "later"
        if form.validate():
            result = responses.save_section(
                g.response, sec, form.values(), g.contact.id, completing=form.completing, answers=answers
            )
            db.session.commit()
            if result.conflicts:
                return redirect(url_for(".conflicts", response_id=response_id))
            if not form.completing:
                flash("Your answers have been saved. You can come back to this section at any time.")
                return redirect(url_for(".task_list", response_id=response_id))
            return redirect(_next_url(g.questionnaire, sec, response_id))
    offer_prefill = g.previous_id is not None and not any(q.field_key in answers for q in sec.questions)
    return render_template(
        "respond/section.html",
        section=sec,
        form=form,
        answers=answers,
        previous=db.session.get(Response, g.previous_id) if offer_prefill else None,
        prefill_form=PrefillForm(),
    )


@bp.post("/<int:response_id>/sections/<key>/prefill")
@respondent_required
def prefill(response_id: int, key: str) -> WerkzeugResponse:
    """Start a section from the organisation's previous report."""
    sec = get_section_or_404(key)
    form = PrefillForm()
    if form.validate_on_submit():
        try:
            copied = responses.prefill_from_previous(g.response, sec, g.contact.id)
        except responses.ResponseLocked:
            raise  # a colleague submitted first: the locked page says who and when
        except responses.ResponseError as exc:  # no earlier report (a forged or stale button): the section says so
            flash(str(exc))
        else:
            db.session.commit()
            flash(f"{copied} answers were copied from your last report. Check and update them before you continue.")
    return redirect(url_for(".section", response_id=response_id, key=key))


@bp.route("/<int:response_id>/conflicts", methods=["GET", "POST"])
@respondent_required
def conflicts(response_id: int) -> str | WerkzeugResponse:
    """Answers a colleague changed while this person was editing: both versions, side by side."""
    pending = responses.open_conflicts(response_id, g.contact.id)
    if not pending:
        return redirect(url_for(".task_list", response_id=response_id))
    kept, answer = pending[0]
    question = g.questionnaire.question(answer.field_key)
    sec = next(s for s in g.questionnaire.sections if question in s.questions)
    # Only a free-text answer starts the merge box; a list of choices or a table of counts is not text.
    merged = kept.value if question.is_free_text else None
    form = ConflictForm(data={"merged": merged, "seen_revision": answer.revision})
    if form.validate_on_submit() and form.check_merge(question):
        value = {"mine": kept.value, "theirs": answer.value}.get(form.choice.data, form.merged.data)
        resolved = responses.resolve_conflict(
            g.response, sec, question, kept.id, g.contact.id, value, form.seen_revision.data or 0
        )
        db.session.commit()
        if resolved:
            return redirect(url_for(".conflicts", response_id=response_id))
        flash("Your colleague changed this answer again. Compare the versions once more.")
        return redirect(url_for(".conflicts", response_id=response_id))
    return render_template(
        "respond/conflict.html",
        form=form,
        kept=kept,
        answer=answer,
        question=question,
        section=sec,
        remaining=len(pending),
    )


@bp.route("/<int:response_id>/check", methods=["GET", "POST"])
@respondent_required
def check(response_id: int) -> str | WerkzeugResponse:
    """Check your answers, then the declaration and submit."""
    if g.response.status == "submitted":
        return redirect(url_for(".confirmation", response_id=response_id))
    form = DeclarationForm(data={"full_name": g.contact.name} if request.method == "GET" else None)
    missing = responses.incomplete_sections(g.questionnaire, g.response)
    error = None
    if form.validate_on_submit():
        try:
            responses.submit(g.response, g.questionnaire, g.contact.id, form.full_name.data)
        except responses.ResponseLocked:
            raise  # a colleague submitted first: the locked page says who and when
        except responses.ResponseError as exc:
            error = str(exc)
        else:
            db.session.commit()
            after_submission(response_id)  # only once the submission is committed
            return redirect(url_for(".confirmation", response_id=response_id))
    return render_template(
        "respond/check.html",
        form=form,
        missing=missing,
        error=error,
        answers=responses.answers_by_key(response_id),
    )


@bp.get("/<int:response_id>/confirmation")
@respondent_required
def confirmation(response_id: int) -> str | WerkzeugResponse:
    """The reference number after submission."""
    if g.response.status != "submitted":
        return redirect(url_for(".task_list", response_id=response_id))
    return render_template("respond/confirmation.html")


@bp.get("/<int:response_id>/report")
@respondent_required
def report(response_id: int) -> str:
    """The whole report, read-only and printable."""
    return render_template("respond/report.html", answers=responses.answers_by_key(response_id))


@bp.post("/sign-out")
def sign_out() -> WerkzeugResponse:
    """End this browser's respondent session."""
    respondent = current_respondent()
    if SignOutForm().validate_on_submit() and respondent is not None:
        access.end_session(respondent.session_id)
        db.session.commit()
    session.clear()
    return redirect(url_for("public.index"))


@bp.errorhandler(responses.ResponseLocked)
def locked(error: responses.ResponseLocked) -> tuple[str, int]:
    """A write that arrived after the report was submitted (or the round closed): who, when, and what was kept."""
    db.session.commit()  # the late save's revisions
    return render_template(
        "respond/locked.html", locked=error, late=responses.late_saves(error.kept), questionnaire=g.questionnaire
    ), 409


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"sign_out_form": SignOutForm, "respondent": g.get("respondent")}


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)

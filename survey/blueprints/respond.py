"""The signatory's journey: task list, section pages, conflicts, check answers, submit, confirmation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.questionnaire import SectionForm, expected_field_names, section_form_class
from forms.respond import ConflictForm, DeclarationForm, PrefillForm, ReopenRequestForm, SignOutForm
from survey import mail_jobs
from survey.extensions import db, read_in_autocommit
from survey.models import Response
from survey.questionnaire import Question, Questionnaire, Section
from survey.services import access, outbox, responses
from survey.services.tagging import after_submission
from survey.skeleton import render_section

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
        if request.method in ("GET", "HEAD"):
            read_in_autocommit()
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


# Where a change begun on another page returns to, by the marker its links carry (`?return=check`): the view's
# own name, never a URL taken from the request, so a forged marker cannot redirect anywhere else.
RETURN_TARGETS = {"check": ".check"}
SAVED_CATEGORY = "saved:"  # a flash shown beside the answer it names (the rest of the category), not at the top
Returning = tuple[str, Question | None]


def _returning(section: Section) -> Returning | None:
    """The known page this section was opened from to change an answer, and that answer's question, or None."""
    target = request.values.get("return")
    if target not in RETURN_TARGETS:
        return None
    key = request.values.get("return_answer")
    return target, next((q for q in section.questions if q.key == key), None)


def _saved(section: Section, returning: Returning) -> None:
    """Flash "saved" for the page returned to, to be shown beside the changed answer (or its section)."""
    question = returning[1]
    if question is None:
        flash(f"Your answers to {section.title} have been saved.", SAVED_CATEGORY + section.anchor)
    else:
        flash(f"Your answer to “{question.label}” has been saved.", SAVED_CATEGORY + question.anchor)


def _next_url(questionnaire: Questionnaire, section: Section, response_id: int, returning: Returning | None) -> str:
    """Where Save and continue leads: back to the page a change began on, at its answer; else the next section."""
    if returning is not None:
        target, question = returning
        anchor = question.anchor if question is not None else section.anchor
        return url_for(RETURN_TARGETS[target], response_id=response_id, _anchor=anchor)
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
    """The report's sections with their statuses, who last saved each, and answers a colleague replaced."""
    statuses = responses.section_statuses(g.questionnaire, g.response)
    replaced = responses.unseen_replacements(response_id, g.contact.id)
    if replaced:
        responses.mark_replacements_seen(response_id, g.contact.id, replaced)  # each notice is shown once
        db.session.commit()
    return render_template(
        "respond/task_list.html",
        statuses=statuses,
        completed=sum(1 for s in statuses.values() if s == "completed"),
        conflicts=responses.open_conflicts(response_id, g.contact.id),
        last_saves=responses.last_saves(g.questionnaire, response_id),
        replaced=replaced,
    )


@bp.get("/<int:response_id>/start")
@respondent_required
def start(response_id: int) -> str:
    """The start page: what the report covers, what you need, the deadline, who to ask; Start now."""
    from survey.blueprints.public import render_static  # not at the top: public imports this module

    rnd, q = g.response.round, g.questionnaire
    return render_static(
        "respond/start.html",
        round_id=rnd.id,
        round_name=rnd.name,
        deadline=rnd.deadline,
        contact_name=rnd.contact_name,
        contact_email=rnd.contact_email,
        questionnaire=(q.key, q.version),
        commitments=tuple((s.commitment, s.intro) for s in q.sections if s.commitment),
        ratings=tuple(label for _, label in getattr(q.question("c1.progress"), "choices", ())),
        measures=tuple(label for _, label in getattr(q.question("c2.measures"), "choices", ())),
        groups=tuple(label for _, label in getattr(q.question("c2.ethnicity_counts"), "rows", ())),
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
    returning = _returning(sec)
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
            if returning is not None:
                _saved(sec, returning)
            return redirect(_next_url(g.questionnaire, sec, response_id, returning))
    offer_prefill = g.previous_id is not None and not any(q.field_key in answers for q in sec.questions)
    return render_section(
        sec,
        form,
        answers,
        returning=returning,
        previous=db.session.get(Response, g.previous_id) if offer_prefill else None,
        prefill_form=PrefillForm() if offer_prefill else None,
        notices=bool(get_flashed_messages()),
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
            mail_jobs.after_submission(response_id)  # the receipts
            return redirect(url_for(".confirmation", response_id=response_id))
    flashes = get_flashed_messages(with_categories=True)
    return render_template(
        "respond/check.html",
        form=form,
        missing=missing,
        error=error,
        answers=responses.answers_by_key(response_id),
        saved={c.removeprefix(SAVED_CATEGORY): m for c, m in flashes if c.startswith(SAVED_CATEGORY)},
        notices=[m for c, m in flashes if not c.startswith(SAVED_CATEGORY)],
    )


@bp.get("/<int:response_id>/confirmation")
@respondent_required
def confirmation(response_id: int) -> str | WerkzeugResponse:
    """The reference number after submission."""
    if g.response.status != "submitted":
        return redirect(url_for(".task_list", response_id=response_id))
    return render_template(
        "respond/confirmation.html",
        reopen_form=ReopenRequestForm(),
        reopen=responses.open_reopen_request(response_id),
        receipts=outbox.receipts(g.response),
    )


@bp.get("/<int:response_id>/report")
@respondent_required
def report(response_id: int) -> str:
    """The whole report, read-only and printable (a draft until it is submitted)."""
    submitted = g.response.status == "submitted"
    return render_template(
        "respond/report.html",
        answers=responses.answers_by_key(response_id),
        reopen_form=ReopenRequestForm() if submitted else None,
        reopen=responses.open_reopen_request(response_id) if submitted else None,
    )


@bp.route("/<int:response_id>/reopen-request", methods=["GET", "POST"])
@respondent_required
def reopen_request(response_id: int) -> str | WerkzeugResponse:
    """Ask the pledge team to re-open a submitted report, saying why."""
    if g.response.status != "submitted":
        return redirect(url_for(".task_list", response_id=response_id))
    form = ReopenRequestForm()
    error = None
    if form.validate_on_submit():
        try:
            responses.request_reopen(g.response, g.contact.id, form.reason.data)
        except responses.ResponseError as exc:  # a colleague asked a moment ago, or the report was re-opened
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash("Your request to re-open this report has been sent to the pledge team.")
            return redirect(url_for(".confirmation", response_id=response_id))
    return render_template(
        "respond/reopen_request.html", form=form, error=error, reopen=responses.open_reopen_request(response_id)
    )


@bp.get("/<int:response_id>/answers/<key>/history")
@respondent_required
def answer_history(response_id: int, key: str) -> str:
    """Every save of one answer (`key` is its field key): who, when, what became of it, and the value."""
    question = g.questionnaire.question(key)
    found = responses.answer_history(response_id, key)
    if question is None or found is None:
        abort(404)
    answer, revisions = found
    sec = next(s for s in g.questionnaire.sections if question in s.questions)
    return render_template("respond/history.html", question=question, section=sec, answer=answer, revisions=revisions)


@bp.post("/sign-out")
def sign_out() -> WerkzeugResponse:
    """End this browser's respondent session."""
    respondent = current_respondent()
    if SignOutForm().validate_on_submit() and respondent is not None:
        access.end_session(respondent.session_id)
        db.session.commit()
    session.clear()
    flash("You have signed out. Open the link in your invitation email to continue.")
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


from survey.blueprints import respond_documents as _documents  # noqa: E402, F401  (registers its views)

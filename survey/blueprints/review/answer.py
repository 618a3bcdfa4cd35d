"""Reviewing one answer: its codes with their evidence, decisions, a new code from a passage, undo, mark reviewed
and go to the next answer of the list, and search within the list."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from forms.review import ActionForm, AddCodeForm, DecisionForm
from survey.auth import require_role
from survey.blueprints.review import bp
from survey.extensions import db
from survey.models import Answer
from survey.models.states import Decision
from survey.services import review
from survey.services.review import Context, ReviewError, StaleDecision


def answer_or_404(answer_id: int) -> Answer:
    """A free-text answer of a submitted report (404 for anything else)."""
    return review.answer_or_none(answer_id) or abort(404)


def _context(answer: Answer) -> Context:
    """The list this answer is reviewed in, from the query string (the answer's round by default)."""
    return review.context_from(request.args, answer.response.round_id)


def _to(endpoint_answer_id: int | None, context: Context, anchor: str | None = None) -> WerkzeugResponse:
    """Redirect to an answer's review page in the same list."""
    return redirect(url_for("review.answer", answer_id=endpoint_answer_id, _anchor=anchor, **context.params()))


def _render(answer: Answer, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The review page (again, with an error or a colleague's decision when given)."""
    context = _context(answer)
    page = review.answer_page(answer, current_user.id, context)
    add_form = extra.pop("add_form", None) or AddCodeForm()
    add_form.theme.choices = [SelectChoice("", "Choose a theme")] + [
        SelectChoice(key, name) for key, name in page.themes
    ]
    return (
        render_template(
            "review/answer.html",
            page=page,
            context=context,
            add_form=add_form,
            action_form=ActionForm(),
            decision_form=DecisionForm(),
            **extra,
        ),
        status,
    )


@bp.get("/answers/<int:answer_id>")
@require_role("lead", "reviewer")
def answer(answer_id: int) -> tuple[str, int]:
    """An answer's text with each code's evidence marked, its codes to accept or reject, and the keys to move on."""
    return _render(answer_or_404(answer_id))


@bp.post("/answers/<int:answer_id>/codes/<int:code_id>")
@require_role("lead", "reviewer")
def decide(answer_id: int, code_id: int) -> Any:
    """Accept or reject one code; a colleague's decision made meanwhile is shown for the reviewer to choose again."""
    found, form = answer_or_404(answer_id), DecisionForm()
    if not form.validate_on_submit() or form.seen.data is None:
        return _render(found, 400, errors=[("Choose accept or reject for the code.", f"#code-{code_id}")])
    try:
        review.decide(code_id, current_user.id, Decision(form.decision.data), form.seen.data)
    except StaleDecision as stale:
        db.session.rollback()
        return _render(found, 409, errors=[(str(stale), f"#code-{code_id}")], stale_code_id=code_id)
    except ReviewError as error:
        db.session.rollback()
        return _render(found, 409, errors=[(str(error), "#answer-text")])
    db.session.commit()
    return _to(found.id, _context(found), f"code-{code_id}")


@bp.post("/answers/<int:answer_id>/codes")
@require_role("lead", "reviewer")
def add_code(answer_id: int) -> Any:
    """Code a passage of the answer with a theme: a selection's offsets, or the first place the quote occurs."""
    found, form = answer_or_404(answer_id), AddCodeForm()
    form.theme.choices = [SelectChoice(key, name) for key, name in review.themes_of(review.version_of(found))]
    if not form.validate_on_submit():
        return _render(
            found, 400, add_form=form, errors=[(e, f"#{name}") for name, errs in form.errors.items() for e in errs]
        )
    try:
        span = review.quote_span(found.text or "", form.quote.data, form.start.data, form.end.data)
        code = review.add_code(found, current_user.id, form.theme.data, span)
    except ReviewError as error:
        db.session.rollback()
        return _render(found, 400, add_form=form, errors=[(str(error), "#quote")])
    db.session.commit()
    return _to(found.id, _context(found), f"code-{code.id}")


@bp.post("/answers/<int:answer_id>/undo")
@require_role("lead", "reviewer")
def undo(answer_id: int) -> Any:
    """Undo this reviewer's latest decision on the answer."""
    found = answer_or_404(answer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        code = review.undo(found.id, current_user.id)
    except ReviewError as error:
        db.session.rollback()
        return _render(found, 409, errors=[(str(error), "#undo")])
    db.session.commit()
    flash("Your last decision on this answer was undone.")
    return _to(found.id, _context(found), f"code-{code.id}")


@bp.post("/answers/<int:answer_id>/reviewed")
@require_role("lead", "reviewer")
def mark_reviewed(answer_id: int) -> WerkzeugResponse:
    """Mark the answer reviewed and go to the next answer of the list nobody has reviewed."""
    found = answer_or_404(answer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    review.mark_reviewed(found, current_user.id)
    db.session.commit()
    following = review.navigation(found.id, _context(found)).next_unreviewed
    if following is None:
        flash("Answer marked reviewed. Every answer in this list is now reviewed.")
        return _to(found.id, _context(found))
    flash("Answer marked reviewed. This is the next answer to review.")
    return _to(following, _context(found))


@bp.get("/answers/<int:answer_id>/search")
@require_role("lead", "reviewer")
def search(answer_id: int) -> WerkzeugResponse:
    """Go to the next answer of the list containing the words searched for."""
    found, words = answer_or_404(answer_id), (request.args.get("q") or "").strip()[:200]
    match = review.search(_context(found), words, found.id) if words else None
    if match is None:
        flash(f"No answer in this list contains “{words}”." if words else "Enter the words to search for.")
        return _to(found.id, _context(found))
    return _to(match, _context(found))

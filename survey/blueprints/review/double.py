"""Double coding: the lead assigns a sample to two reviewers, each reviewer sees their list, the lead compares and
resolves."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from forms.review import ActionForm, AssignForm
from survey.auth import require_role
from survey.blueprints.review import bp
from survey.extensions import db
from survey.models import Round
from survey.models.review import DoubleCoding
from survey.models.states import Decision, Role
from survey.services import double_coding
from survey.services.review import ReviewError


def _assign_form() -> AssignForm:
    """The assignment form with the reviewers to choose from."""
    form = AssignForm()
    people = [SelectChoice("", "Choose a reviewer")] + [
        SelectChoice(str(u.id), u.name) for u in double_coding.reviewers()
    ]
    form.first.choices, form.second.choices = people, list(people)
    return form


def _round_page(rnd: Round, form: AssignForm, status: int = 200, error: str | None = None) -> tuple[str, int]:
    """The round's double coding: the lead's form, figures and every assignment; a reviewer's own list."""
    lead = current_user.role == Role.LEAD
    return (
        render_template(
            "review/double_coding.html",
            round=rnd,
            form=form,
            error=error,
            lead=lead,
            names={u.id: u.name for u in double_coding.reviewers()},
            assignments=double_coding.assignments(rnd.id, None if lead else current_user.id),
            figures=double_coding.between_reviewers(rnd.id) if lead else None,
        ),
        status,
    )


@bp.get("/rounds/<int:round_id>/double-coding")
@require_role("lead", "reviewer")
def double_coding_round(round_id: int) -> tuple[str, int]:
    """Double coding in a round: the lead's assignments and agreement, or a reviewer's own answers to code."""
    return _round_page(db.get_or_404(Round, round_id), _assign_form())


@bp.post("/rounds/<int:round_id>/double-coding")
@require_role("lead")
def assign_double_coding(round_id: int) -> Any:
    """Give a random sample of the round's unreviewed answers to two reviewers."""
    rnd, form = db.get_or_404(Round, round_id), _assign_form()
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()))[0]
        return _round_page(rnd, form, 400, first)
    try:
        size = double_coding.assign(
            rnd.id, int(form.first.data), int(form.second.data), form.size.data, current_user.id
        )
    except ReviewError as error:
        db.session.rollback()
        return _round_page(rnd, form, 400, str(error))
    db.session.commit()
    flash(f"{size} answers are now double coded.")
    return redirect(url_for("review.double_coding_round", round_id=rnd.id))


def _resolve_page(coding: DoubleCoding, status: int = 200, error: str | None = None) -> tuple[str, int]:
    """Where two reviewers disagree on one answer, for the lead to settle."""
    differ, agree = double_coding.comparison(coding)
    return (
        render_template(
            "review/double_coding_answer.html",
            coding=coding,
            progress=double_coding.progress(coding),
            differ=differ,
            agree=agree,
            names={u.id: u.name for u in double_coding.reviewers()},
            form=ActionForm(),
            error=error,
        ),
        status,
    )


@bp.get("/double-coding/<int:coding_id>")
@require_role("lead")
def double_coding_answer(coding_id: int) -> tuple[str, int]:
    """The two reviewers' decisions on one answer, side by side, with their disagreements to resolve."""
    return _resolve_page(db.get_or_404(DoubleCoding, coding_id))


@bp.post("/double-coding/<int:coding_id>")
@require_role("lead")
def resolve_double_coding(coding_id: int) -> Any:
    """Settle a double-coded answer: agreed codes take their decision, the lead decides the rest."""
    coding = db.get_or_404(DoubleCoding, coding_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        double_coding.resolve(coding, _choices(request.form), current_user.id)
    except ReviewError as error:
        db.session.rollback()
        return _resolve_page(coding, 400, str(error))
    db.session.commit()
    flash("The answer's double coding is resolved.")
    return redirect(url_for("review.double_coding_round", round_id=coding_round(coding)))


def _choices(form: Any) -> dict[int, Decision]:
    """The lead's choice per disputed code, from the radios named code-<id>."""
    return {
        int(key.removeprefix("code-")): Decision(value)
        for key, value in form.items()
        if key.startswith("code-") and key[5:].isdigit() and value in set(Decision)
    }


def coding_round(coding: DoubleCoding) -> int:
    """The round of a double-coded answer."""
    from survey.models import Answer

    answer = db.session.get(Answer, coding.answer_id)
    return answer.response.round_id if answer else abort(404)

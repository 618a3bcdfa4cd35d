"""Bulk decisions: accept or reject one theme over a filtered list, after a confirmation naming the count."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.review import BulkForm
from survey.auth import require_role
from survey.blueprints.review import bp
from survey.extensions import db
from survey.models.states import Decision
from survey.services import bulk_review
from survey.services.review import ReviewError


def _render(args: Any, form: BulkForm, status: int = 200, error: str | None = None) -> tuple[str, int]:
    """The preview: the filter, the count it covers now and the confirmation (or what is wrong with the filter)."""
    themes = bulk_review.themes_for_round(args.get("round", ""))
    try:
        bulk = bulk_review.filter_from(args)
    except ReviewError as problem:
        page = render_template(
            "review/bulk.html", bulk=None, problem=str(problem), form=form, error=error, themes=themes
        )
        return page, status
    ids = bulk_review.code_ids(bulk)
    form.fingerprint.data = bulk_review.fingerprint(ids)
    return (
        render_template(
            "review/bulk.html",
            bulk=bulk,
            count=len(ids),
            theme=bulk_review.theme_name(bulk),
            form=form,
            error=error,
            themes=themes,
        ),
        status,
    )


@bp.get("/bulk")
@require_role("lead", "reviewer")
def bulk() -> tuple[str, int]:
    """Preview a bulk decision: how many undecided codes of the theme the filter covers."""
    form = BulkForm()
    form.decision.data = request.args.get("decision") or None
    return _render(request.args, form)


@bp.post("/bulk")
@require_role("lead", "reviewer")
def bulk_confirm() -> Any:
    """Apply a bulk decision, refused when the list changed since the preview (nothing half done)."""
    form = BulkForm()
    if not form.validate_on_submit():
        return _render(request.form, form, 400, "Choose whether to accept or reject these codes.")
    try:
        bulk = bulk_review.filter_from(request.form)
        done = bulk_review.apply(bulk, Decision(form.decision.data), form.fingerprint.data, current_user.id)
    except ReviewError as error:
        db.session.rollback()
        return _render(request.form, BulkForm(formdata=None, decision=form.decision.data), 409, str(error))
    db.session.commit()
    codes = "1 code" if done == 1 else f"{done} codes"
    flash(f"{codes} of “{bulk_review.theme_name(bulk)}” {'was' if done == 1 else 'were'} {form.decision.data}.")
    return redirect(url_for("review.bulk", **bulk.params()))

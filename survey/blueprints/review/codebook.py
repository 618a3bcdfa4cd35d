"""The codebook editor: a draft edited theme by theme, previewed against a round in a job, published by the lead
with a re-tag."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from forms.review import MergeForm, RoundForm, SplitForm, ThemeForm
from survey import jobs
from survey.auth import require_role
from survey.blueprints.review import bp
from survey.extensions import db
from survey.models import Job, Pledge, Round
from survey.models.states import Role
from survey.services import codebook_editor as editor
from survey.services import codebook_preview as previews
from survey.services import rounds, tagging
from survey.services.codebook_editor import EditorError


def pledge_id() -> int:
    """The pledge whose codebook is edited (404 before one exists)."""
    return db.session.scalar(select(Pledge.id).order_by(Pledge.id).limit(1)) or abort(404)


def _forms() -> dict[str, Any]:
    """The editor page's forms, their choices filled from the draft and the rounds."""
    data, _ = editor.current_data(pledge_id())
    themes = [SelectChoice("", "Choose a theme")] + [SelectChoice(t["key"], t["name"]) for t in data["themes"]]
    merge, round_form = MergeForm(), RoundForm()
    merge.source.choices, merge.target.choices = themes, list(themes)
    round_form.round.choices = [SelectChoice(str(r.id), r.name) for r in rounds.all_rounds()]
    return {"merge_form": merge, "round_form": round_form, "add_form": ThemeForm()}


def _page(status: int = 200, error: str | None = None, **forms: Any) -> tuple[str, int]:
    """The editor: the draft's themes, adding, merging, preview and publish."""
    data, draft = editor.current_data(pledge_id())
    values = {**_forms(), **forms}
    return render_template(
        "review/codebook.html", data=data, draft=draft, error=error, lead=current_user.role == Role.LEAD, **values
    ), status


@bp.get("/codebook")
@require_role("lead", "reviewer")
def codebook() -> tuple[str, int]:
    """The codebook being edited: its themes, and the forms to change, preview and publish it (`?name=` and
    `?phrase=` fill in the add-a-theme form, as the emergent themes' links do)."""
    return _page(add_form=ThemeForm(data={"name": request.args.get("name"), "phrases": request.args.get("phrase")}))


def _edit(change: Any, done: str, failed: Any) -> Any:
    """Apply one edit to the draft and commit, or show its error with nothing saved."""
    try:
        result = change(editor.draft_for(pledge_id()))
    except EditorError as error:
        db.session.rollback()
        return failed(str(error))
    db.session.commit()
    flash(done)
    return result or redirect(url_for("review.codebook"))


@bp.post("/codebook/themes")
@require_role("lead", "reviewer")
def add_theme() -> Any:
    """Add a theme to the draft."""
    form = ThemeForm()
    if not form.validate_on_submit():
        return _page(400, next(iter(form.errors.values()))[0], add_form=form)
    return _edit(
        lambda draft: (
            editor.add_theme(draft, current_user.id, form.name.data, form.description.data, form.phrases.data) and None
        ),
        f"“{form.name.data}” was added to the draft.",
        lambda error: _page(400, error, add_form=form),
    )


@bp.post("/codebook/merge")
@require_role("lead", "reviewer")
def merge_themes() -> Any:
    """Merge one theme of the draft into another."""
    form = _forms()["merge_form"]
    if not form.validate_on_submit():
        return _page(400, "Choose the theme to merge and the theme to merge it into.", merge_form=form)
    return _edit(
        lambda draft: editor.merge(draft, current_user.id, form.source.data, form.target.data),
        "The themes were merged in the draft.",
        lambda error: _page(400, error, merge_form=form),
    )


def _theme_page(key: str, status: int = 200, error: str | None = None, **forms: Any) -> tuple[str, int]:
    """One theme of the draft to edit or split."""
    data, _ = editor.current_data(pledge_id())
    theme = next((t for t in data["themes"] if t["key"] == key), None) or abort(404)
    form = forms.get("form") or ThemeForm(
        data={
            "name": theme["name"],
            "description": theme.get("description", ""),
            "phrases": "\n".join(theme.get("phrases", [])),
            "patterns": editor.patterns_text(theme.get("patterns", [])),
            "exclude": "\n".join(theme.get("exclude", [])),
            "weak": "\n".join(theme.get("weak", [])),
            "context": "\n".join(theme.get("context", [])),
        }
    )
    return render_template(
        "review/codebook_theme.html",
        theme=theme,
        form=form,
        split_form=forms.get("split_form") or SplitForm(),
        error=error,
    ), status


@bp.get("/codebook/themes/<key>")
@require_role("lead", "reviewer")
def codebook_theme(key: str) -> tuple[str, int]:
    """Edit one theme: name, description, phrases, patterns, exclusions, weak and context words; or split it."""
    return _theme_page(key)


@bp.post("/codebook/themes/<key>")
@require_role("lead", "reviewer")
def edit_theme(key: str) -> Any:
    """Save one theme's edits, all or nothing."""
    form = ThemeForm()
    if not form.validate_on_submit():
        return _theme_page(key, 400, next(iter(form.errors.values()))[0], form=form)
    return _edit(
        lambda draft: editor.edit_theme(
            draft,
            current_user.id,
            key,
            name=form.name.data,
            description=form.description.data,
            phrases=form.phrases.data,
            patterns=form.patterns.data,
            exclude=form.exclude.data,
            weak=form.weak.data,
            context=form.context.data,
        ),
        f"“{form.name.data}” was saved in the draft.",
        lambda error: _theme_page(key, 400, error, form=form),
    )


@bp.post("/codebook/themes/<key>/split")
@require_role("lead", "reviewer")
def split_theme(key: str) -> Any:
    """Split phrases or weak words off a theme into a new theme."""
    form = SplitForm()
    if not form.validate_on_submit():
        return _theme_page(key, 400, next(iter(form.errors.values()))[0], split_form=form)
    return _edit(
        lambda draft: editor.split(draft, current_user.id, key, form.name.data, form.moved.data) and None,
        f"“{form.name.data}” was split off in the draft.",
        lambda error: _theme_page(key, 400, error, split_form=form),
    )


def _chosen_round(form: RoundForm) -> Round | None:
    """The round a round form chose."""
    return db.session.get(Round, int(form.round.data)) if form.validate_on_submit() and form.round.data else None


@bp.post("/codebook/preview")
@require_role("lead", "reviewer")
def preview() -> Any:
    """Tag a round's answers with the draft in a job, to see which answers gain and lose each theme."""
    form = _forms()["round_form"]
    rnd = _chosen_round(form)
    if rnd is None:
        return _page(400, "Choose the round to preview the draft against.")
    editor.draft_for(pledge_id())
    db.session.commit()
    try:
        job, _ = jobs.launch(previews.PREVIEW, "round", rnd.id)
    except RedisError:
        db.session.rollback()
        return _page(503, "The job queue cannot be reached, so the preview cannot run now. Try again shortly.")
    return redirect(url_for("review.codebook_preview", job_id=job.id))


@bp.get("/codebook/previews/<int:job_id>")
@require_role("lead", "reviewer")
def codebook_preview(job_id: int) -> str:
    """A preview's progress, then per theme the answers that would gain and lose it, with examples."""
    job = db.get_or_404(Job, job_id)
    if job.kind != previews.PREVIEW.name:
        abort(404)
    return render_template(
        "review/codebook_preview.html",
        job=job,
        changes=previews.results(job),
        round=db.session.get(Round, job.target_id),
    )


@bp.post("/codebook/publish")
@require_role("lead")
def publish() -> WerkzeugResponse | tuple[str, int]:
    """Publish the draft as the next codebook version and re-tag the chosen round with it."""
    rnd = _chosen_round(_forms()["round_form"])
    _, draft = editor.current_data(pledge_id())
    if rnd is None or draft is None:
        return _page(
            400,
            "There are no changes to publish: edit the codebook first."
            if rnd
            else "Choose the round to re-tag with the new version.",
        )
    try:
        published = editor.publish(draft, current_user.id, rnd.id)
    except EditorError as error:
        db.session.rollback()
        return _page(409, str(error))
    db.session.commit()
    flash(published.message)
    return _retag(rnd)


def _retag(rnd: Round) -> WerkzeugResponse:
    """Re-tag a round with the pledge's newest codebook version and show the job's progress."""
    try:
        job, _ = jobs.launch(tagging.RETAG, "round", rnd.id)
    except RedisError:
        db.session.rollback()
        flash("The job queue cannot be reached: the round will be re-tagged when it is back.")
        return redirect(url_for("review.codebook"))
    return redirect(url_for("manage.job_detail", job_id=job.id))

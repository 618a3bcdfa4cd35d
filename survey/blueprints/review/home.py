"""The staff home: where reviewers and the lead land after signing in."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from survey.auth import require_role
from survey.blueprints.review import bp
from survey.services import review_home


@bp.get("/")
@require_role("lead", "reviewer")
def home() -> str:
    """Each round's answers to review per commitment, and this person's own progress."""
    return render_template("review/home.html", rounds=review_home.progress(current_user.id))

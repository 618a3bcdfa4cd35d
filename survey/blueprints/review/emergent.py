"""Emergent themes: the phrases of a round's answers that no theme covers, for the lead and reviewers."""

from __future__ import annotations

from flask import render_template

from survey.auth import require_role
from survey.blueprints.review import bp
from survey.extensions import db
from survey.models import Round
from survey.services import emergent


@bp.get("/rounds/<int:round_id>/emergent")
@require_role("lead", "reviewer")
def emergent_themes(round_id: int) -> str:
    """The round's most distinctive uncovered phrases, each with example answers linked to their reports."""
    rnd = db.get_or_404(Round, round_id)
    return render_template("review/emergent.html", round=rnd, found=emergent.round_emergent(rnd.id))

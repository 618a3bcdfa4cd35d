"""Agreement as review goes: machine codes against reviewed codes, and reviewer against reviewer."""

from __future__ import annotations

from flask import render_template

from survey.auth import require_role
from survey.blueprints.review import bp
from survey.blueprints.review.rounds import round_or_404, themes_of
from survey.services import double_coding
from survey.services.agreement import machine_vs_reviewed


@bp.get("/rounds/<int:round_id>/agreement")
@require_role("lead", "reviewer")
def agreement(round_id: int) -> str:
    """Per theme and overall: precision, recall, F1, kappa, percent agreement, prevalence; and kappa per pair."""
    rnd = round_or_404(round_id)
    themes = themes_of(rnd)
    keys = [t.key for t in themes]
    return render_template(
        "review/agreement.html",
        round=rnd,
        names={t.key: t.name for t in themes},
        machine=machine_vs_reviewed(rnd.id, keys),
        pairs=double_coding.reviewer_pairs(rnd.id, keys),
    )

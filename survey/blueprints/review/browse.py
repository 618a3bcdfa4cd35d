"""Browse and filter a round's answers."""

from __future__ import annotations

from flask import render_template, request

from survey.auth import require_role
from survey.blueprints.review import bp
from survey.blueprints.review.rounds import answer_url, question_labels, round_or_404, themes_of
from survey.services import browse


@bp.get("/rounds/<int:round_id>/answers")
@require_role("lead", "reviewer")
def answers(round_id: int) -> tuple[str, int] | str:
    """A page of the round's answers under the chosen filters, with counts per facet."""
    rnd = round_or_404(round_id)
    themes, labels = themes_of(rnd), question_labels(rnd)
    names = {t.key: t.name for t in themes}
    context = {"round": rnd, "theme_names": names, "labels": labels, "answer_url": answer_url}
    try:
        filters = browse.parse_filters(request.args, themes=[t.key for t in themes], questions=labels)
        after, before = (browse.parse_cursor(request.args.get(k, "")) for k in ("after", "before"))
    except browse.FilterError as error:
        return render_template("review/answers.html", error=str(error), filters=browse.Filters(), **context), 400
    page = browse.page(rnd.id, filters, after=after, before=before)
    return render_template("review/answers.html", page=page, filters=filters, **context)

"""Downloads of a round's coding: coded segments (CSV), the codebook (CSV, REFI-QDA .qdc), the project (.qdpx)."""

from __future__ import annotations

import io
import re

from flask import Response, render_template, stream_with_context

from survey.auth import require_role
from survey.blueprints.review import bp
from survey.blueprints.review.rounds import question_labels, round_or_404, themes_of
from survey.models import Round, utcnow
from survey.services import coding_exports as exports
from survey.services import qda


def _filename(rnd: Round, suffix: str) -> str:
    """A download's file name from the round's name."""
    return re.sub(r"[^A-Za-z0-9]+", "-", rnd.name).strip("-").lower() + suffix


def _download(body: object, mimetype: str, filename: str) -> Response:
    """A download, streamed when the body is a generator."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rounds/<int:round_id>/exports")
@require_role("lead", "reviewer")
def exports_page(round_id: int) -> str:
    """What can be downloaded, and what each file is for."""
    return render_template("review/exports.html", round=round_or_404(round_id))


@bp.get("/rounds/<int:round_id>/exports/coded-segments.csv")
@require_role("lead", "reviewer")
def segments_csv(round_id: int) -> Response:
    """Every piece of coded evidence of the round, one row each (streamed)."""
    rnd = round_or_404(round_id)
    rows = exports.segment_rows(rnd, themes_of(rnd), question_labels(rnd))
    body = stream_with_context(exports.csv_lines(exports.SEGMENT_COLUMNS, rows))
    return _download(body, "text/csv", _filename(rnd, "-coded-segments.csv"))


@bp.get("/rounds/<int:round_id>/exports/codebook.csv")
@require_role("lead", "reviewer")
def codebook_csv(round_id: int) -> Response:
    """The round's codebook as CSV."""
    rnd = round_or_404(round_id)
    body = "".join(exports.csv_lines(exports.CODEBOOK_COLUMNS, exports.codebook_rows(themes_of(rnd))))
    return _download(body, "text/csv", _filename(rnd, "-codebook.csv"))


@bp.get("/rounds/<int:round_id>/exports/codebook.qdc")
@require_role("lead", "reviewer")
def codebook_qdc(round_id: int) -> Response:
    """The round's codebook as a REFI-QDA codebook."""
    rnd = round_or_404(round_id)
    out = io.BytesIO()
    qda.write_codebook_qdc(themes_of(rnd), out)
    return _download(out.getvalue(), "application/xml", _filename(rnd, "-codebook.qdc"))


@bp.get("/rounds/<int:round_id>/exports/project.qdpx")
@require_role("lead", "reviewer")
def project_qdpx(round_id: int) -> Response:
    """The round as a REFI-QDA project, streamed as it is made."""
    rnd = round_or_404(round_id)
    body = stream_with_context(qda.stream_qdpx(rnd, question_labels(rnd), utcnow()))
    return _download(body, "application/zip", _filename(rnd, ".qdpx"))

"""Downloads of a round's submitted answers: long or wide, CSV (streamed) or XLSX (written to a temporary file
as rows arrive, then sent)."""

from __future__ import annotations

import tempfile

from flask import Response, abort, render_template, send_file, stream_with_context
from flask_login import current_user

from survey.auth import require_role
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Round
from survey.services import audit, exports


@bp.get("/rounds/<int:round_id>/exports")
@require_role("lead", "reviewer")
def exports_page(round_id: int) -> str:
    """The four downloads of a round's answers, and what each holds."""
    return render_template("manage/exports.html", round=db.get_or_404(Round, round_id))


@bp.get("/rounds/<int:round_id>/answers-<shape>.<fmt>")
@require_role("lead", "reviewer")
def export(round_id: int, shape: str, fmt: str) -> Response:
    """Download the round's submitted answers; the download is audited."""
    rnd = db.get_or_404(Round, round_id)
    if shape not in exports.SHAPES or fmt not in exports.FORMATS:
        abort(404)
    audit.record(
        "round.exported",
        actor_type="user",
        actor_id=current_user.id,
        target_type="round",
        target_id=rnd.id,
        shape=shape,
        format=fmt,
    )
    db.session.commit()
    name = exports.filename(rnd, shape, fmt)
    if fmt == "csv":
        rows = exports.long_rows(rnd) if shape == "long" else exports.wide_rows(rnd)
        response = Response(stream_with_context(exports.csv_chunks(rows)), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    exports.write_export(rnd, shape, spool)
    spool.seek(0)
    return send_file(spool, as_attachment=True, download_name=name, mimetype=XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

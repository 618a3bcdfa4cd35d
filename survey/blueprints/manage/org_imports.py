"""Importing organisations and contacts from CSV or Excel with a preview, and exporting them in the same format."""

from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import ButtonForm
from forms.organisations import ImportForm
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import OrganisationImport
from survey.permissions import MANAGE_ORGANISATIONS, require
from survey.security import accepts_upload
from survey.services import audit, org_import, organisations, orgfile, pledges

# The file limit, plus room for the form around it: a larger upload gets the 413 page that names the limit.
UPLOAD_LIMIT = orgfile.MAX_BYTES + 64 * 1024
PREVIEW_PAGE = 100  # rows of the file a page of the preview shows

FORMATS = {
    "csv": ("text/csv; charset=utf-8", orgfile.write_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", orgfile.write_xlsx),
}


@bp.route("/organisations/import", methods=["GET", "POST"])
@require(MANAGE_ORGANISATIONS)
@accepts_upload(UPLOAD_LIMIT)
def organisations_import() -> str | WerkzeugResponse | tuple[str, int]:
    """Upload a file; it is read into a preview, and nothing changes until the lead applies it."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            imp = org_import.upload(
                pledges.ensure_pledge().id,
                upload.read(orgfile.MAX_BYTES + 1),
                upload.filename or "file",
                user_id=current_user.id,
            )
        except orgfile.FileProblem as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for("manage.organisations_import_preview", import_id=imp.id))
    return render_template("manage/import.html", form=form, columns=orgfile.COLUMNS), (400 if form.errors else 200)


def preview_or_404(import_id: int) -> OrganisationImport:
    """An import of organisations (404 when unknown)."""
    return db.get_or_404(OrganisationImport, import_id)


@bp.get("/organisations/imports/<int:import_id>")
@require(MANAGE_ORGANISATIONS)
def organisations_import_preview(import_id: int) -> tuple[str, int]:
    """What the import will do, compared with the database now: counts per outcome, problems by column, and the
    rows a page at a time, problems first, then changes, new rows and rows already there."""
    imp = preview_or_404(import_id)
    plan = org_import.plan(imp)
    status = 422 if plan.problem_rows and imp.status == "preview" else 200
    ordered = plan.ordered_rows()
    pages = max(1, -(-len(ordered) // PREVIEW_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "manage/import_preview.html",
        imp=imp,
        plan=plan,
        rows=ordered[(page - 1) * PREVIEW_PAGE : page * PREVIEW_PAGE],
        first=(page - 1) * PREVIEW_PAGE + 1,
        page=page,
        pages=pages,
        form=ButtonForm(),
        labels=orgfile.LABELS,
    ), status


@bp.post("/organisations/imports/<int:import_id>/apply")
@require(MANAGE_ORGANISATIONS)
def organisations_import_apply(import_id: int) -> WerkzeugResponse:
    """Apply every row in one transaction, or none: a row with a problem stops the whole import."""
    imp = preview_or_404(import_id)
    if not ButtonForm().validate_on_submit():
        abort(400, "The form expired: go back to the preview and press the button again.")
    try:
        counts = org_import.apply(imp, actor_id=current_user.id)
    except org_import.ImportRefused as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(url_for("manage.organisations_import_preview", import_id=imp.id))
    db.session.commit()
    flash("Imported: " + "; ".join(f"{outcome.lower()}: {n:,}" for outcome, n in sorted(counts.items())) + ".")
    return redirect(url_for("manage.organisations_list"))


@bp.post("/organisations/imports/<int:import_id>/discard")
@require(MANAGE_ORGANISATIONS)
def organisations_import_discard(import_id: int) -> WerkzeugResponse:
    """Drop a preview without importing anything."""
    imp = preview_or_404(import_id)
    if ButtonForm().validate_on_submit():
        org_import.discard(imp)
        db.session.commit()
        flash("The import was cancelled: nothing was changed.")
    return redirect(url_for("manage.organisations_import"))


@bp.get("/organisations/export.<any(csv, xlsx):fmt>")
@require(MANAGE_ORGANISATIONS)
def organisations_export(fmt: str) -> Response:
    """The current organisations and contacts in the format the import reads; the export is audited."""
    mimetype, write = FORMATS[fmt]
    rows = organisations.export_rows(pledges.ensure_pledge().id)
    audit.record("export.organisations", actor_type="user", actor_id=current_user.id, target_type="organisation",
                 target_id=None, format=fmt, rows=len(rows))  # fmt: skip
    db.session.commit()
    out: io.StringIO | io.BytesIO = io.StringIO() if fmt == "csv" else io.BytesIO()
    write(rows, out)  # type: ignore[operator]
    return Response(
        out.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="organisations.{fmt}"'},
    )

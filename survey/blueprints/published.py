"""What readers may open without signing in: published syntheses and the reports organisations consented to
publish, as PDFs, as web pages and (syntheses) as CSV figures."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.blueprints.respond_documents import document_pdf
from survey.models import Synthesis
from survey.reports import organisation
from survey.services import publication, syntheses
from survey.services.downloads import csv_download, pdf_download

bp = Blueprint("published", __name__, url_prefix="/published")


def published_or_404(synthesis_id: int) -> Synthesis:
    """A published synthesis with its content, or 404 (a draft or an unpublished version is not there)."""
    synthesis = syntheses.with_content(synthesis_id)
    if synthesis is None or not synthesis.is_published:
        abort(404)
    return synthesis


def consented_or_404(response_id: int, *, public: bool = True) -> organisation.Document:
    """A submitted report whose organisation consented to publication, or 404."""
    if not publication.may_publish(response_id):
        abort(404)
    return organisation.report(response_id, public=public) or abort(404)


@bp.get("/")
def index() -> str:
    """Published syntheses and the organisations' own reports they consented to publish."""
    return render_template(
        "published/index.html", syntheses=syntheses.published(), reports=publication.consented_reports()
    )


@bp.get("/syntheses/<int:synthesis_id>")
def synthesis_html(synthesis_id: int) -> str:
    """A published synthesis as a web page."""
    synthesis = published_or_404(synthesis_id)
    data = syntheses.from_snapshot(synthesis.snapshot)
    return render_template(
        "syntheses/report.html", synthesis=synthesis, data=data, staff=False, rules=syntheses.RATE_RULES
    )


@bp.get("/syntheses/<int:synthesis_id>.pdf")
def synthesis_pdf(synthesis_id: int) -> WerkzeugResponse:
    """A published synthesis's PDF, as stored."""
    synthesis = published_or_404(synthesis_id)
    return pdf_download(synthesis.pdf, syntheses.filename(synthesis, "pdf"))


@bp.get("/syntheses/<int:synthesis_id>.csv")
def synthesis_csv(synthesis_id: int) -> WerkzeugResponse:
    """A published synthesis's figures as CSV."""
    return csv_download(syntheses.figures(published_or_404(synthesis_id)), f"synthesis-{synthesis_id}-figures.csv")


@bp.get("/reports/<int:response_id>")
def report_html(response_id: int) -> str:
    """An organisation's report, as it consented to publish it."""
    return render_template("published/report.html", document=consented_or_404(response_id))


@bp.get("/reports/<int:response_id>.pdf")
def report_pdf(response_id: int) -> WerkzeugResponse:
    """An organisation's report as a PDF, as it consented to publish it."""
    document = consented_or_404(response_id)
    return document_pdf(document, f"progress-report-{document.reference}.pdf")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)

"""A respondent's documents: the submitted report as a PDF, and a blank copy of the round's questions."""

from __future__ import annotations

import io

from flask import abort, g, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.blueprints.respond import bp, respondent_required
from survey.reports import organisation
from survey.reports.pdf_report import build_document
from survey.services import receipt_links
from survey.services.downloads import pdf_download


def document_pdf(document: organisation.Document | None, filename: str) -> WerkzeugResponse:
    """The document laid out as a PDF download, or 404 when there is none."""
    if document is None:
        abort(404)
    out = io.BytesIO()
    build_document(document, out)
    return pdf_download(out.getvalue(), filename)


@bp.get("/<int:response_id>/report.pdf")
@respondent_required
def report_pdf(response_id: int) -> WerkzeugResponse:
    """The submitted report as a PDF to keep and take to the board (404 before it is submitted)."""
    return document_pdf(organisation.report(response_id), f"progress-report-{g.response.reference}.pdf")


RECEIPT_LINK_PROBLEMS = {
    "invalid": (404, "This link does not work"),
    "expired": (410, "This link has expired"),
    "superseded": (410, "This report has changed since the receipt"),
}


@bp.get("/receipt/<token>/report.pdf")
def receipt_report_pdf(token: str) -> WerkzeugResponse | tuple[str, int]:
    """The submitted report as a PDF, from the link in its receipt (no respondent session needed)."""
    try:
        opened = receipt_links.open_link(token)
    except receipt_links.ReceiptLinkError as exc:
        status, title = RECEIPT_LINK_PROBLEMS[exc.reason]
        return render_template("respond/receipt_link_problem.html", reason=exc.reason, title=title), status
    response = opened.response
    return document_pdf(organisation.report(response.id), f"progress-report-{response.reference}.pdf")


@bp.get("/<int:response_id>/questionnaire.pdf")
@respondent_required
def questionnaire_pdf(response_id: int) -> WerkzeugResponse:
    """The round's questions, blank, to draft answers and agree them before filling in the form."""
    document = organisation.blank(g.response.round_id, first_report=g.previous_id is None)
    return document_pdf(document, f"questions-round-{g.response.round.number}.pdf")

"""An organisation's submitted report as a PDF, for staff."""

from __future__ import annotations

from werkzeug.wrappers import Response as WerkzeugResponse

from survey.auth import require_role
from survey.blueprints.manage import bp, submitted_response_or_403
from survey.blueprints.respond_documents import document_pdf
from survey.reports import organisation


@bp.get("/responses/<int:response_id>.pdf")
@require_role("lead", "reviewer")
def response_pdf(response_id: int) -> WerkzeugResponse:
    """A submitted report as the organisation's own PDF."""
    response = submitted_response_or_403(response_id)
    return document_pdf(organisation.report(response.id), f"progress-report-{response.reference}.pdf")

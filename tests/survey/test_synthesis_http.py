"""The synthesis over HTTP: the lead builds (inline without Redis), reads, downloads and publishes it; readers find
published syntheses and consented reports without signing in; respondents download their own documents."""

from __future__ import annotations

import hashlib
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from survey.extensions import db as _db
from survey.models import Answer, AuditEvent, Contact, Synthesis, User
from tests.staff_login import sign_in
from tests.survey import synthesis_scenario
from tests.survey.synthesis_scenario import SECRET


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _build(client, round_id: int, kind: str) -> Synthesis:
    page = client.get(f"/manage/rounds/{round_id}/syntheses")
    assert page.status_code == 200
    built = client.post(f"/manage/rounds/{round_id}/syntheses", {"kind": kind})
    assert built.status_code == 302
    job = client.get(built.headers["location"])
    assert "Download the PDF" in job.text and "100%: finished" in job.text
    _db.session.rollback()
    return _db.session.query(Synthesis).order_by(Synthesis.id.desc()).first()


def test_the_lead_builds_a_draft_then_a_version_and_publishes_it_for_readers(
    client, browser_factory, factory, lead, db
):
    s = synthesis_scenario.build(factory)
    sign_in(client, *lead)
    draft = _build(client, s.current.id, "draft")
    pdf = client.get(f"/manage/syntheses/{draft.id}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == draft.sha256
    assert "DRAFT — not for publication" in text_of(pdf.content)
    refused = client.post(f"/manage/syntheses/{draft.id}/publish", {})
    assert "cannot be published" in client.get(refused.headers["location"]).text

    final = _build(client, s.current.id, "final")
    assert (draft.version, final.version) == (1, 2)  # a new build is a new version; the draft is kept
    reader = browser_factory()
    assert reader.get(f"/published/syntheses/{final.id}").status_code == 404  # not published yet
    client.get(f"/manage/rounds/{s.current.id}/syntheses")
    client.post(f"/manage/syntheses/{final.id}/publish", {})
    _db.session.rollback()
    stored = _db.session.get(Synthesis, final.id)
    assert stored.published_at is not None and stored.sha256 == final.sha256
    lead_id = _db.session.scalar(select(User.id).where(User.email == lead[0]))
    assert (draft.built_by_id, stored.built_by_id, stored.published_by_id) == (lead_id, lead_id, lead_id)
    versions = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/manage/rounds/{s.current.id}/syntheses").text))
    assert versions.count("Started by Pat Lead") == 2 and "by Pat Lead" in versions.split("Published", 1)[1]
    events = _db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id).where(AuditEvent.action.like("synthesis.%"))
    )
    assert sorted(events) == [
        ("synthesis.build_started", lead_id),
        ("synthesis.build_started", lead_id),
        ("synthesis.published", lead_id),
    ]

    listing = reader.get("/published/")
    assert listing.status_code == 200 and f"/published/syntheses/{final.id}.pdf" in listing.text
    assert f"/published/syntheses/{draft.id}" not in listing.text
    download = reader.get(f"/published/syntheses/{final.id}.pdf")
    assert hashlib.sha256(download.content).hexdigest() == final.sha256
    text = text_of(download.content)
    assert "5 of 6 signatories reported" in text and SECRET not in text and "DRAFT" not in text
    html = reader.get(f"/published/syntheses/{final.id}").text
    assert "5 of 6 signatories reported" in html and SECRET not in html and "/review/answers" not in html
    figures = reader.get(f"/published/syntheses/{final.id}.csv").text
    assert f"commitment 1,{s.t1.name},organisations,3" in figures
    assert reader.get(f"/published/syntheses/{draft.id}.pdf").status_code == 404


def test_staff_figures_link_to_the_coded_answers_behind_them(client, factory, lead, db):
    s = synthesis_scenario.build(factory)
    sign_in(client, *lead)
    final = _build(client, s.current.id, "final")
    html = client.get(f"/manage/syntheses/{final.id}").text
    listed = f"/review/rounds/{s.current.id}/answers?theme={s.t1.key}&commitment=1"
    assert f'href="{listed.replace("&", "&amp;")}">3</a>' in html
    assert client.get(listed).status_code == 200  # the review workspace's list of the answers behind the count
    alder = _db.session.query(Answer).filter_by(
        response_id=s.responses[(2, "Alder NHS Trust")].id, field_key="c1.actions"
    )
    assert f'href="/review/answers/{alder.one().id}">the coded answer' in html  # each quote links to its answer


def test_readers_see_only_reports_whose_organisations_consented(client, factory, db):
    s = synthesis_scenario.build(factory)
    alder, cedar = s.responses[(2, "Alder NHS Trust")], s.responses[(2, "Cedar Council")]
    listing = client.get("/published/").text
    assert f"/published/reports/{alder.id}" in listing and f"/published/reports/{cedar.id}" not in listing
    assert client.get(f"/published/reports/{cedar.id}").status_code == 404
    assert client.get(f"/published/reports/{cedar.id}.pdf").status_code == 404
    page = client.get(f"/published/reports/{alder.id}")
    assert page.status_code == 200 and "Alder NHS Trust co-produced its crisis pathway in round 2." in page.text
    pdf = client.get(f"/published/reports/{alder.id}.pdf")
    assert "Alder NHS Trust co-produced its crisis pathway in round 2." in text_of(pdf.content)


def _respondent(client, factory, response) -> None:
    _db.session.add(Contact(organisation_id=response.organisation_id, name="Ola Ade", email="ola@org.example"))
    _db.session.commit()
    assert client.get(factory.invite(response)).status_code == 302


def test_a_respondent_downloads_a_blank_questionnaire_and_their_submitted_report(browser_factory, factory, db):
    s = synthesis_scenario.build(factory)
    drafting, submitted = browser_factory(), browser_factory()
    fir = (
        _db.session.query(type(s.responses[(2, "Alder NHS Trust")]))
        .filter_by(round_id=s.current.id, organisation_id=s.orgs["Fir Partnership"].id)
        .one()
    )
    _respondent(drafting, factory, fir)
    start = drafting.get(f"/respond/{fir.id}/start")
    assert f"/respond/{fir.id}/questionnaire.pdf" in start.text
    blank = drafting.get(f"/respond/{fir.id}/questionnaire.pdf")
    text = text_of(blank.content)
    assert (
        "Blank questionnaire" in text
        and "What have you done?" in text
        and "May we publish your progress report?" in text
    )
    assert "Mental Health Act detentions by ethnic group" in text
    assert drafting.get(f"/respond/{fir.id}/report.pdf").status_code == 404  # nothing submitted yet

    alder = s.responses[(2, "Alder NHS Trust")]
    _respondent(submitted, factory, alder)
    assert f"/respond/{alder.id}/report.pdf" in submitted.get(f"/respond/{alder.id}/confirmation").text
    assert f"/respond/{alder.id}/report.pdf" in submitted.get(f"/respond/{alder.id}/report").text
    report = submitted.get(f"/respond/{alder.id}/report.pdf")
    assert report.headers["content-disposition"] == f'attachment; filename="progress-report-{alder.reference}.pdf"'
    text = text_of(report.content)
    assert "Alder NHS Trust co-produced its crisis pathway in round 2." in text
    assert "What have you done?" in text and "Early progress" in text
    assert submitted.get(f"/respond/{fir.id}/report.pdf").status_code == 404  # another organisation's


def test_staff_download_a_submitted_report(client, factory, lead, db):
    s = synthesis_scenario.build(factory)
    sign_in(client, *lead)
    alder = s.responses[(2, "Alder NHS Trust")]
    assert f"/manage/responses/{alder.id}.pdf" in client.get(f"/manage/responses/{alder.id}").text
    pdf = client.get(f"/manage/responses/{alder.id}.pdf").content
    assert "Alder NHS Trust co-produced" in text_of(pdf)
    pages = [p.extract_text().strip() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) > 1 and all(p.endswith(f"Page {i} of {len(pages)}") for i, p in enumerate(pages, 1))


def test_the_cli_builds_a_synthesis_to_a_file(app, factory, db, tmp_path):
    s = synthesis_scenario.build(factory)
    out = tmp_path / "synthesis.pdf"
    result = app.test_cli_runner().invoke(
        args=["synthesis", "build", "--round", str(s.current.id), "--out", str(out), "--draft"]
    )
    assert result.exit_code == 0, result.output
    assert "DRAFT — not for publication" in text_of(out.read_bytes())
    missing = app.test_cli_runner().invoke(args=["synthesis", "build", "--round", "999", "--out", str(out)])
    assert missing.exit_code != 0 and "round 999 does not exist" in missing.output

"""Previewing a draft codebook against a round: a job tags the round's answers with the draft and the page lists,
per theme, the answers that would gain and lose it — inline without Redis, and by a real worker with it."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from survey.models import Job, PreviewRow
from tests.staff_login import sign_in
from tests.survey.review_data import coded_answers


def _draft_with_a_new_theme(client, submitted, reviewer):
    answers = coded_answers(submitted)
    sign_in(client, *reviewer)
    client.get("/review/codebook")
    client.post("/review/codebook/themes", {"name": "Faith groups", "phrases": "faith groups"})
    return answers


def _results(client, location):
    page = html.unescape(client.get(location).text)
    row = re.search(r"<td class=\"nhsuk-table__cell\">Faith groups</td>\s*<td class=\"nhsuk-table__cell\">(\d+)", page)
    return page, row


def test_a_preview_runs_inline_without_redis(client, submitted, reviewer, db):
    answers = _draft_with_a_new_theme(client, submitted, reviewer)
    started = client.post("/review/codebook/preview", {"round": answers[0].response.round_id})
    assert started.status_code == 302
    page, row = _results(client, started.headers["location"])
    assert "3 answers tagged with edit 2 of the draft" in page
    assert row and row.group(1) == "1"  # only the first answer mentions faith groups
    assert "We co-produced our crisis pathway with carers and faith groups." in page
    assert client.post("/review/codebook/preview", {"round": ""}).status_code == 400


def test_a_preview_runs_in_a_real_worker(client, submitted, reviewer, db, redis_url, workers, wait):
    answers = _draft_with_a_new_theme(client, submitted, reviewer)
    started = client.post("/review/codebook/preview", {"round": answers[0].response.round_id})
    job_id = int(started.headers["location"].rstrip("/").rpartition("/")[2])
    assert "Tagging the round's answers with the draft" in html.unescape(client.get(started.headers["location"]).text)
    workers.start()  # a plain worker, as the Procfile's worker line starts it, runs the preview kind
    wait(lambda: db.session.get(Job, job_id).status == "finished", what="the preview job to finish")
    assert len(db.session.scalars(select(PreviewRow).where(PreviewRow.job_id == job_id)).all()) == 3
    page, row = _results(client, started.headers["location"])
    assert row and row.group(1) == "1"

"""A submitted report is tagged on submission and its themes show to staff, with the evidence marked."""

from __future__ import annotations

import html
import re

from survey.services.coded import Segment, segments
from tests.answers import submit_report
from tests.staff_login import sign_in


def test_segments_mark_overlapping_evidence():
    text = "We fund VCSE groups and co-produce services."
    spans = [(8, 12, "VCSE"), (8, 19, "Funding"), (24, 43, "Co-production")]
    assert segments(text, spans) == (
        Segment("We fund ", ()),
        Segment("VCSE", ("Funding", "VCSE")),
        Segment(" groups", ("Funding",)),
        Segment(" and ", ()),
        Segment("co-produce services", ("Co-production",)),
        Segment(".", ()),
    )


def test_segments_number_their_themes_in_the_answers_order():
    text = "We fund VCSE groups and co-produce services."
    spans = [(8, 12, "VCSE"), (8, 19, "Funding"), (24, 43, "Co-production")]
    marked = [s for s in segments(text, spans, ("VCSE", "Co-production", "Funding")) if s.themes]
    assert [(s.text, s.themes, s.refs) for s in marked] == [
        ("VCSE", ("VCSE", "Funding"), (1, 3)),
        (" groups", ("Funding",), (3,)),
        ("co-produce services", ("Co-production",), (2,)),
    ]


# Commitment 3's actions in the submitted report: evidence of carers and of the VCSE sector.
CARERS = {
    "commitment-3": {"actions": "We co-produced the crisis pathway with carers and Black-led VCSE organisations."}
}


def test_submitted_answers_show_their_themes_to_the_lead(client, browser_factory, factory, lead, db):
    resp = submit_report(browser_factory(), factory, factory.round(), "Northmoor NHS Trust", CARERS)

    assert client.get(f"/manage/responses/{resp.id}").status_code == 302  # staff only
    sign_in(client, *lead)
    page = client.get(f"/manage/responses/{resp.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Northmoor NHS Trust" in text
    assert "Carers and families" in text and "Investment in the VCSE sector" in text
    # The evidence is followed by the theme's number in the answer's list, and its name for screen readers.
    evidence = text.index("<mark>carers</mark>")
    answer = text[text.rindex("nhsuk-card__content", 0, evidence) : evidence]  # the card of that answer
    listed = re.findall(r'app-theme-ref">(\d+)</span> <strong class="nhsuk-tag[^"]*">([^<]+)</strong>', answer)
    number = dict((name, n) for n, name in listed)["Carers and families"]
    assert f'<mark>carers</mark><sup class="app-mark-ref" aria-hidden="true">{number}</sup>' in text
    assert "(evidence for Carers and families)" in text
    assert "Waiting to be tagged" not in text

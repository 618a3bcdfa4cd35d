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


# Commitment 3's actions in the submitted report: strong evidence of carers and of community partnership in one
# sentence, and weak evidence of the VCSE sector in another.
CARERS = {
    "commitment-3": {"actions": "We co-produced the plan with unpaid carers. Local charities received funding from us."}
}


def test_submitted_answers_show_their_themes_to_the_lead(client, browser_factory, factory, lead, db):
    resp = submit_report(browser_factory(), factory, factory.round(), "Northmoor NHS Trust", CARERS)

    assert client.get(f"/manage/responses/{resp.id}").status_code == 302  # staff only
    sign_in(client, *lead)
    page = client.get(f"/manage/responses/{resp.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Northmoor NHS Trust" in text
    # Proposed and possible themes are listed apart, under headings that say so (not colour alone).
    proposed = text.index("Proposed themes (strong evidence)")
    possible = text.index("Possible themes (weak evidence)")
    assert proposed < text.index("Carers and families") < possible < text.index("Investment in the VCSE sector")
    # The evidence is the sentence, followed by the theme's number in the answer's list, and for screen readers
    # its level and theme names.
    sentence = "We co-produced the plan with unpaid carers."
    evidence = text.index(f'<mark class="app-evidence app-evidence--proposed">{sentence}</mark>')
    answer = text[text.rindex("nhsuk-card__content", 0, evidence) : evidence]  # the card of that answer
    listed = re.findall(r'app-theme-ref">(\d+)</span> <strong class="nhsuk-tag[^"]*">([^<]+)</strong>', answer)
    numbers = {name: n for n, name in listed}
    refs = ",".join(sorted((numbers["Community partnership and co-production"], numbers["Carers and families"])))
    assert f'{sentence}</mark><sup class="app-mark-ref" aria-hidden="true">{refs}</sup>' in text
    assert "(proposed evidence for Community partnership and co-production; Carers and families)" in text
    funding = "Local charities received funding from us."
    assert f'<mark class="app-evidence app-evidence--possible">{funding}</mark>' in text
    assert "(possible evidence for Investment in the VCSE sector)" in text
    assert "Waiting to be tagged" not in text

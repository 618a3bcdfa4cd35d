"""Machine codes carry a score and a level; the lead sees how many codes are at each level per theme."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from survey import jobs
from survey.models import Code
from survey.services import coded, tagging
from tests.staff_login import sign_in

TEXTS = (
    # Strong evidence for community partnership; weak evidence (a weak word in company) for the VCSE sector.
    "We co-produced the plan with unpaid carers. Local charities received funding from us.",
    # Weak evidence for community partnership in one answer, strong for the Mental Health Act.
    "We listen to local communities. Detentions under the Mental Health Act fell.",
)


def _level_rows(page: str) -> dict[str, tuple[int, int]]:
    """The round page's table of codes per theme and level: theme name -> (proposed, possible)."""
    table = page[page.index('id="levels"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*<td[^>]*>([\d,]+)</td>\s*<td[^>]*>([\d,]+)</td>', table)
    return {html.unescape(name): (int(p), int(q)) for name, p, q in rows}


def test_codes_have_scores_levels_and_sentence_spans(submitted, db):
    resp = submitted.response(TEXTS)
    jobs.launch(tagging.TAG, "response", resp.id)
    db.session.expire_all()
    codes = {(c.answer.text[:10], c.theme_key): c for c in db.session.scalars(select(Code))}
    strong = codes[("We co-prod", "community_partnership")]
    weak = codes[("We co-prod", "vcse_investment")]
    assert (strong.level, strong.confidence) == ("proposed", 0.8)
    assert weak.level == "possible" and 0.5 <= weak.confidence < 0.8
    assert [weak.answer.text[s:e] for s, e in weak.spans] == ["Local charities received funding from us."]
    assert codes[("We listen ", "community_partnership")].level == "possible"


def test_round_page_counts_codes_per_theme_and_level(client, submitted, lead, db):
    resp = submitted.response(TEXTS)
    jobs.launch(tagging.TAG, "response", resp.id)
    sign_in(client, *lead)
    page = client.get(f"/manage/rounds/{submitted.round.id}")
    assert page.status_code == 200
    rows = _level_rows(page.text)
    assert rows["Community partnership and co-production"] == (1, 1)
    assert rows["Investment in the VCSE sector"] == (0, 1)
    assert rows["Mental Health Act, coercion and restrictive practice"] == (1, 0)
    assert "Proposed (strong evidence)" in page.text and "Possible (weak evidence)" in page.text
    # A code a reviewer rejected is no longer counted.
    db.session.expire_all()
    weak = db.session.scalars(select(Code).where(Code.theme_key == "vcse_investment")).one()
    weak.status = "rejected"
    db.session.commit()
    assert "Investment in the VCSE sector" not in _level_rows(client.get(f"/manage/rounds/{submitted.round.id}").text)
    assert [r.name for r in coded.level_counts(submitted.round.id)][0] == "Community partnership and co-production"

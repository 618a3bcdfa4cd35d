"""Browsing a round's answers: every filter, search, counts per facet, keyset pages, and a constant number of SQL
statements per page whatever the round's size."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

from sqlalchemy import event

from survey.extensions import db as _db
from survey.services import browse
from survey.services.browse import Filters, ReviewStatus
from tests.review_data import PASSWORD, SENTENCES, seed_round
from tests.staff_login import sign_in


@contextmanager
def counted():
    """Count the SQL statements run on the app's engine (every thread, so the live server's too)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _all_ids(round_id: int, filters: Filters) -> list[int]:
    """Every answer id under the filters, by walking the keyset pages."""
    ids, after = [], None
    while True:
        page = browse.page(round_id, filters, after=after)
        ids.extend(r.answer_id for r in page.rows)
        if page.next_after is None:
            return ids
        after = page.next_after


def test_filters_and_facets_count_what_the_pages_list(db):
    seeded = seed_round(6, commitments=2)
    whole = browse.page(seeded.round_id, Filters())
    assert whole.total == seeded.answers == 6 * 2 * 3 and whole.organisations == 6
    every = _all_ids(seeded.round_id, Filters())
    assert len(every) == len(set(every)) == seeded.answers and every == sorted(every)
    # Each facet's count of a value is the number of answers that filter lists.
    for facet, counts in whole.facets.items():
        assert counts, facet
        for value, count in counts.items():
            field = {"kind": "kind"}.get(facet, facet)
            typed = int(value) if facet == "commitment" else value
            typed = ReviewStatus(value) if facet == "status" else typed
            assert browse.page(seeded.round_id, Filters(**{field: typed})).total == count, (facet, value)
    # Every fifth answer is reviewed; of those every second by two reviewers, every fourth disputed.
    status = whole.facets["status"]
    assert status == {"unreviewed": 28, "reviewed": 6, "disputed": 2}
    disputed = browse.page(seeded.round_id, Filters(status=ReviewStatus.DISPUTED))
    assert {r.status for r in disputed.rows} == {ReviewStatus.DISPUTED}


def test_facets_ignore_their_own_choice_and_combine_the_others(db):
    seeded = seed_round(5, commitments=3)
    theme = SENTENCES[0][0]
    chosen = browse.page(seeded.round_id, Filters(commitment=2, theme=theme))
    # The commitment facet counts the theme's answers in every commitment, so the others stay choosable.
    by_theme = browse.page(seeded.round_id, Filters(theme=theme))
    assert chosen.facets["commitment"] == by_theme.facets["commitment"]
    assert set(chosen.facets["commitment"]) == {"1", "2", "3"}
    assert chosen.total == by_theme.facets["commitment"]["2"]
    assert all(r.commitment == 2 and theme in {c[0] for c in r.codes} for r in chosen.rows)


def test_search_finds_words_and_pages_go_back_and_forth(db):
    seeded = seed_round(12, commitments=2)
    found = browse.page(seeded.round_id, Filters(q="shortages"))
    assert found.total > 0
    assert all("shortages" in r.text.lower() for r in found.rows)
    assert browse.page(seeded.round_id, Filters(q="zeppelin")).total == 0
    first = browse.page(seeded.round_id, Filters())
    assert first.previous_before is None and first.next_after == first.rows[-1].answer_id
    second = browse.page(seeded.round_id, Filters(), after=first.next_after)
    assert second.rows[0].answer_id > first.rows[-1].answer_id and second.previous_before is not None
    back = browse.page(seeded.round_id, Filters(), before=second.previous_before)
    assert [r.answer_id for r in back.rows] == [r.answer_id for r in first.rows]
    assert back.previous_before is None


def test_the_list_page_filters_and_refuses_bad_filters_clearly(client, db):
    seeded = seed_round(4, commitments=2)
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    page = client.get(f"/review/rounds/{seeded.round_id}/answers?commitment=2&theme=workforce&status=unreviewed")
    assert page.status_code == 200
    text = html.unescape(page.text)
    expected = browse.page(seeded.round_id, Filters(commitment=2, theme="workforce", status=ReviewStatus.UNREVIEWED))
    assert expected.total and re.search(
        rf"\b{expected.total} answers? from {expected.organisations} organisation", text
    )
    # Each answer links to its review page.
    for row in expected.rows:
        assert f'href="/review/answers/{row.answer_id}"' in page.text
    for query, message in (
        ("theme=nonsense", "There is no theme called “nonsense” in this round"),
        ("commitment=abc", "Commitment must be a whole number"),
        ("status=done", "There is no review status called “done”"),
        ("q=" + "x" * 201, "Search for 200 characters or fewer"),
        ("after=-1", "The page link must be a whole number"),
    ):
        refused = client.get(f"/review/rounds/{seeded.round_id}/answers?{query}")
        assert refused.status_code == 400 and message in html.unescape(refused.text), query
    assert client.get("/review/rounds/999999/answers").status_code == 404


def _statements_for_page(client, round_id: int) -> int:
    """SQL statements one filtered list page costs, after a warm-up."""
    url = f"/review/rounds/{round_id}/answers?commitment=1&theme=workforce&q=training"
    assert client.get(url).status_code == 200
    with counted() as seen:
        page = client.get(url)
    assert page.status_code == 200 and re.search(r"\d+ answers? from", page.text)
    return len(seen)


def test_a_page_costs_the_same_statements_at_30_and_3000_organisations(client, db):
    small = seed_round(30, commitments=1, seed=1)
    large = seed_round(3000, commitments=1, seed=2)
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    at_30 = _statements_for_page(client, small.round_id)
    at_3000 = _statements_for_page(client, large.round_id)
    assert at_30 == at_3000 <= 12

"""The tracking dashboard: counts by state, the response rate, the chart and its table, reminder waves, a table of
organisations sorted, filtered and searched by query string, and a constant number of SQL statements whatever the
number of organisations (30 and 3,000)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bench.round_data import seed_round
from tests.staff_login import sign_in


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    """The SQL statements run on the engine during the block."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-state="(\w+)">(\d+)<', page)}


def test_the_dashboard_counts_each_state_and_shows_the_rate_chart_and_waves(client, lead, db):
    seeded = seed_round(24)
    sign_in(client, *lead)
    page = client.get(f"/manage/rounds/{seeded.round_id}/dashboard").text
    expected = {**{s: seeded.by_state[s] for s in seeded.by_state}, "mail_failed": 1}
    assert _counts(page) == expected
    assert "6 of 24 submitted (25%)" in page and "10 days to the deadline" in page
    assert page.count("<rect") > 20 and "Submissions by day" in page and '<desc id="chart-desc">' in page
    waves = re.search(r'id="reminder-waves".*?</table>', page, re.S).group(0)
    cells = re.findall(r'nhsuk-table__cell">([^<]*)<', waves)
    assert cells[1:] == ["12", "4"]  # twelve reminders five days ago; four of the six reports came from that day on


def test_the_table_sorts_filters_and_searches_without_javascript(client, lead, db):
    seeded = seed_round(24)
    sign_in(client, *lead)
    url = f"/manage/rounds/{seeded.round_id}/dashboard"

    def names(query: str) -> list[str]:
        table = re.search(r'id="organisations-table".*?</table>', client.get(url + query).text, re.S)
        return re.findall(r"Bulk organisation 1-(\d+)", table.group(0)) if table else []

    assert names("") == [f"{i:05d}" for i in range(24)]
    assert names("?sort=name&dir=desc")[:2] == ["00023", "00022"]
    assert names("?state=in_progress") == ["00001", "00009", "00017"]
    assert names("?state=mail_failed") == ["00007"]  # its reminder bounced
    assert names("?q=00012") == ["00012"] and names("?q=p1.org5%40bulk") == ["00004"]
    assert names("?sort=state&state=submitted") == ["00000", "00004", "00008", "00012", "00016", "00020"]
    assert names("?state=nonsense&sort=nonsense&page=-3") == names("")  # junk falls back to the defaults
    assert client.get(url + "?q=zzz").text.count("0 organisations match") == 1


def test_the_dashboard_runs_as_many_statements_for_3000_organisations_as_for_30(client, lead, db):
    small, large = seed_round(30), seed_round(3000)
    sign_in(client, *lead)
    statements = {}
    for seeded in (small, large):
        for query in ("", "?sort=activity&dir=desc&q=bulk&state=invited&page=2"):
            with counting(db.engine) as seen:
                assert client.get(f"/manage/rounds/{seeded.round_id}/dashboard{query}").status_code == 200
            statements[(seeded.round_id, query)] = len(seen)
    assert statements[(small.round_id, "")] == statements[(large.round_id, "")] <= 10
    assert (
        statements[(small.round_id, "?sort=activity&dir=desc&q=bulk&state=invited&page=2")]
        == statements[(large.round_id, "?sort=activity&dir=desc&q=bulk&state=invited&page=2")]
    )
    page = client.get(f"/manage/rounds/{large.round_id}/dashboard").text
    assert "750 of 3000 submitted (25%)" in page and "Next" in page and "page 2 of 60" in page

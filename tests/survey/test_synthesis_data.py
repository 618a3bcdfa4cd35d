"""Gathering a round's synthesis: the counts, the consent and review rules, the change over organisations in both
rounds, anonymous labels, and a fixed number of queries however many organisations report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from survey.extensions import db as _db
from survey.models import Organisation
from survey.reports.gather import anonymous_labels, gather, sentence_around
from survey.services import syntheses
from tests.survey import synthesis_scenario
from tests.survey.synthesis_scenario import SECRET


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def _theme(findings, key):
    return next(t for t in findings.themes if t.key == key)


def test_published_counts_reviewed_codes_only_and_change_only_over_organisations_in_both_rounds(factory, db):
    s = synthesis_scenario.build(factory)
    data = gather(s.current.id)
    assert data.response_rate == "5 of 6 signatories reported"
    assert (data.expected, data.reported, data.reported_both) == (6, 5, 3)
    c1 = data.commitments[0]
    t1 = _theme(c1, s.t1.key)
    # Alder (accepted), Cedar (accepted) and Elm (added by a reviewer); not Birch (unreviewed) nor Damson (possible).
    assert (t1.organisations, t1.unreviewed) == (3, 0)
    # Over Alder, Birch and Cedar, the three in both rounds: Alder and Cedar now, Alder before.
    assert (t1.both_before, t1.both_now, t1.change) == (1, 2, 1)
    t2 = _theme(c1, s.t2.key)
    assert t2.organisations == 2  # Cedar's and Elm's accepted codes; Alder's rejected one never counts
    assert [t.key for t in data.across[0].themes] == [s.t2.key]  # challenges, across commitments
    assert not data.has_unreviewed


def test_a_draft_counts_unreviewed_strong_codes_marked_but_never_possible_ones(factory, db):
    s = synthesis_scenario.build(factory)
    t1 = _theme(gather(s.current.id, draft=True).commitments[0], s.t1.key)
    assert (t1.organisations, t1.unreviewed) == (4, 1)  # Birch now counts, marked; Damson's weak code never
    assert (t1.both_before, t1.both_now) == (1, 3)


def test_quotes_come_only_from_consenting_organisations_named_or_described_as_they_chose(factory, db):
    s = synthesis_scenario.build(factory)
    data = gather(s.current.id)
    quotes = [q for f in (*data.commitments, *data.across) for q in f.quotes]
    # One quote for each most raised theme of a part, each from an organisation not yet quoted there.
    assert [(q.theme_key, q.source, q.text) for q in data.commitments[0].quotes] == [
        (s.t1.key, "Alder NHS Trust", "Alder NHS Trust co-produced its crisis pathway in round 2."),
        (s.t2.key, "a signatory organisation", "Elm ICB names a barrier here."),  # the only ICB
    ]
    assert [q.source for q in data.across[0].quotes] == ["a signatory organisation"]
    assert all(SECRET not in q.text for q in quotes)
    labels = {o.name: o.label for o in data.organisations}
    assert labels["Birch NHS Trust"] == "an NHS mental health trust in the North West"  # two trusts there
    assert labels["Damson Council"] == "a council"  # the only council in the Midlands: widened to its type
    assert labels["Cedar Council"] == "a council"  # no consent to publication: never named
    assert labels["Alder NHS Trust"] == "Alder NHS Trust"


def test_anonymous_labels_widen_until_an_organisation_is_not_alone():
    labels = anonymous_labels(
        [(1, "nhs_mh_trust", "London"), (2, "nhs_mh_trust", "London"), (3, "council", "Midlands")]
    )
    assert labels == {
        1: "an NHS mental health trust in London",
        2: "an NHS mental health trust in London",
        3: "a signatory organisation",
    }


def test_a_quote_is_the_whole_sentence_around_its_evidence():
    text = "First one. We did the thing well! And more\nLast bit"
    assert sentence_around(text, 14, 17) == "We did the thing well!"
    assert sentence_around(text, 11, 33) == "We did the thing well!"  # already a sentence: kept as it is
    assert sentence_around(text, 46, 50) == "Last bit"
    assert sentence_around("Intro:\n- We did it well\n- More", 11, 14) == "We did it well"  # no list marker


def test_a_quote_ends_at_the_sentence_marks_of_other_scripts():
    arabic = "هل وصلنا إلى الجميع؟ عملنا مع المجتمعات المحلية. انتهى"
    start = arabic.index("عملنا")
    assert sentence_around(arabic, start, start + 5) == "عملنا مع المجتمعات المحلية."
    urdu = "ہم نے تربیت دی۔ ہم نے خاندانوں سے بات کی۔ آخر"
    start = urdu.index("خاندانوں")
    assert sentence_around(urdu, start, start + 8) == "ہم نے خاندانوں سے بات کی۔"
    chinese = "我们培训了员工。我们与家庭合作！结束"
    assert sentence_around(chinese, 8, 10) == "我们与家庭合作！"


def test_progress_measures_and_rates_come_from_the_structured_answers(factory, db):
    s = synthesis_scenario.build(factory)
    data = gather(s.current.id)
    labels = [label for _, label in data.ratings]
    assert data.progress[0].counts[labels.index("Early progress")] == 4
    assert data.progress[0].counts[labels.index("Good progress")] == 1
    measures = {m.key: m for m in data.measures}
    assert (measures["cto"].organisations, measures["mha_detentions"].organisations) == (5, 4)
    # Only Alder allowed naming.
    assert [(m.organisation, m.measures) for m in data.monitoring] == [
        ("Alder NHS Trust", ("Mental Health Act detentions", "Community treatment orders"))
    ]
    assert data.rates.contributing == 1  # Cedar's table is incomplete
    black = next(r for r in data.rates.pooled.rows if r.group == "black")
    assert round(black.ratio, 6) == 3.0
    assert [label for label, _ in data.rates.by_organisation] == ["Alder NHS Trust"]


def test_the_number_of_queries_does_not_grow_with_the_organisations(factory, db):
    s = synthesis_scenario.build(factory)
    with counting() as few:
        gather(s.current.id, draft=True)
    for i in range(4):  # four more organisations report in both rounds, with codes
        org = Organisation(pledge_id=factory.pledge.id, name=f"Extra NHS Trust {i}", kind="nhs_mh_trust", region="Kent")
        _db.session.add(org)
        _db.session.flush()
        s.orgs[org.name] = org
        synthesis_scenario.report(s, s.previous, org.name, t1=("rule", "accepted", "proposed"))
        synthesis_scenario.report(s, s.current, org.name, t1=("rule", "proposed", "proposed"))
    _db.session.commit()
    with counting() as more:
        data = gather(s.current.id, draft=True)
    assert data.response_rate == "9 of 10 signatories reported"
    assert len(few) == len(more) == 12, few


def test_a_snapshot_rebuilds_the_same_data(factory, db):
    s = synthesis_scenario.build(factory)
    data = gather(s.current.id)
    assert syntheses.from_snapshot(data.snapshot()) == data

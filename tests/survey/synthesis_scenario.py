"""A small, hand-countable pair of rounds for the synthesis tests: who reported, what they consented to, which
codes a person reviewed, and a commitment-2 table whose rate ratios are worked out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.extensions import db
from survey.models import Answer, AnswerReview, Code, Organisation, Response, Round, Theme, utcnow
from survey.services import codebooks, staff

# (name, kind, region, publish, attribution); Fir reports in neither round.
ORGS = (
    ("Alder NHS Trust", "nhs_mh_trust", "North West", "yes", "attributed"),
    ("Birch NHS Trust", "nhs_mh_trust", "North West", "yes", "anonymous"),
    ("Cedar Council", "council", "London", "no", "attributed"),
    ("Damson Council", "council", "Midlands", "yes", "anonymous"),
    ("Elm ICB", "icb", "South West", "yes", "anonymous"),
    ("Fir Partnership", "partnership", "London", None, None),
)
BEFORE = ("Alder NHS Trust", "Birch NHS Trust", "Cedar Council")
NOW = ("Alder NHS Trust", "Birch NHS Trust", "Cedar Council", "Damson Council", "Elm ICB")
SECRET = "Cedar asked us never to quote this sentence."
# Alder's detentions by group: Black 60 of 20,000 and White 100 of 100,000 give a rate ratio of 3 (see the tests).
ALDER_COUNTS = {
    "asian": {"detentions": 10, "population": 20_000},
    "black": {"detentions": 60, "population": 20_000},
    "mixed": {"detentions": 3, "population": 5_000},
    "white": {"detentions": 100, "population": 100_000},
    "other": {"detentions": 0, "population": 4_000},
}


def text_of(name: str, round_number: int) -> str:
    """A free-text answer of several sentences; the middle one carries the theme."""
    if name == "Cedar Council" and round_number == 2:
        return f"We met partners. {SECRET} More to follow."
    return f"We met partners. {name} co-produced its crisis pathway in round {round_number}. More to follow."


@dataclass
class Scenario:
    """The rounds, organisations, responses and themes a test asserts on."""

    previous: Round
    current: Round
    orgs: dict[str, Organisation] = field(default_factory=dict)
    responses: dict[tuple[int, str], Response] = field(default_factory=dict)
    themes: list[Theme] = field(default_factory=list)

    @property
    def t1(self) -> Theme:
        """The theme raised on commitment 1."""
        return self.themes[0]

    @property
    def t2(self) -> Theme:
        """The theme raised among challenges."""
        return self.themes[1]


def _answer(resp: Response, field_key: str, value: Any) -> Answer:
    commitment = int(field_key[1]) if field_key.startswith("c") and field_key[1].isdigit() else None
    question = field_key.split(".", 1)[1] if commitment else field_key
    answer = Answer(
        response_id=resp.id,
        field_key=field_key,
        question_key=question,
        commitment_number=commitment,
        value=value,
        text=value if isinstance(value, str) and question in ("actions", "challenges") else None,
    )
    db.session.add(answer)
    db.session.flush()
    return answer


def code(
    answer: Answer, theme: Theme, *, source: str = "rule", status: str = "proposed", level: str = "proposed"
) -> Code:
    """A code on the answer's middle sentence."""
    text = answer.text or ""
    start = text.index(". ") + 2
    row = Code(
        answer_id=answer.id,
        theme_id=theme.id,
        theme_key=theme.key,
        codebook_version_id=theme.codebook_version_id,
        source=source,
        status=status,
        level=level,
        spans=[[start, start + 12]],  # a phrase: the synthesis quotes its whole sentence
    )
    db.session.add(row)
    db.session.flush()
    return row


# How each organisation's commitment-1 code stands in the current round: (source, status, level) or None.
CURRENT_T1 = {
    "Alder NHS Trust": ("rule", "accepted", "proposed"),  # reviewed: counts
    "Birch NHS Trust": ("rule", "proposed", "proposed"),  # unreviewed: drafts only, marked
    "Cedar Council": ("rule", "accepted", "proposed"),  # reviewed, but Cedar never consented to quotes
    "Damson Council": ("rule", "proposed", "possible"),  # weak and unreviewed: never counts
    "Elm ICB": ("reviewer", "accepted", "proposed"),  # added by a reviewer: counts
}


def report(
    scenario: Scenario, rnd: Round, name: str, *, progress: str = "early_progress", t1: tuple[str, str, str] | None
) -> Response:
    """A submitted report with its structured answers and a coded commitment-1 answer."""
    org = scenario.orgs[name]
    resp = Response(
        round_id=rnd.id, organisation_id=org.id, reference=f"R{rnd.number}-{org.id:04d}", status="submitted"
    )
    resp.submitted_at = utcnow()
    db.session.add(resp)
    db.session.flush()
    scenario.responses[(rnd.number, name)] = resp
    _, _, _, publish, attribution = next((o for o in ORGS if o[0] == name), (name, "", "", "yes", "anonymous"))
    for n in range(1, 8):
        _answer(resp, f"c{n}.progress", progress)
    _answer(resp, "publish", publish)
    _answer(resp, "quote_attribution", attribution)
    _answer(resp, "c2.measures", ["mha_detentions", "cto"] if name != "Elm ICB" else ["cto"])
    if name == "Alder NHS Trust":
        _answer(resp, "c2.ethnicity_counts", ALDER_COUNTS)
    if name == "Cedar Council":  # incomplete: left out of the pooled ratios
        _answer(resp, "c2.ethnicity_counts", {"white": {"detentions": 50, "population": None}})
    actions = _answer(resp, "c1.actions", text_of(name, rnd.number))
    if t1 is not None:
        source, status, level = t1
        code(actions, scenario.t1, source=source, status=status, level=level)
    return resp


def build(factory: Any) -> Scenario:
    """Two rounds: three of six organisations report in the first, five in the second (committed)."""
    pledge = factory.pledge
    version = codebooks.ensure_starting_codebook(pledge)
    previous = factory.round(1, closed=True)
    current = factory.round(2, previous=previous)
    scenario = Scenario(previous, current, themes=list(version.themes))
    for name, kind, region, *_ in ORGS:
        org = Organisation(pledge_id=pledge.id, name=name, kind=kind, region=region)
        db.session.add(org)
        db.session.flush()
        scenario.orgs[name] = org
    for name in BEFORE:
        report(
            scenario,
            previous,
            name,
            progress="planning",
            t1=("rule", "accepted", "proposed") if name == "Alder NHS Trust" else None,
        )
    for name in NOW:
        report(
            scenario,
            current,
            name,
            progress="good_progress" if name == "Elm ICB" else "early_progress",
            t1=CURRENT_T1[name],
        )
    for name, round_ in (
        ("Fir Partnership", previous),
        ("Fir Partnership", current),
        ("Damson Council", previous),
        ("Elm ICB", previous),
    ):
        db.session.add(
            Response(
                round_id=round_.id,
                organisation_id=scenario.orgs[name].id,
                reference=f"N{round_.number}-{scenario.orgs[name].id:04d}",
            )
        )
    # Challenges: Cedar's (accepted, never quoted: no consent), Alder's (rejected: never counts) and Elm's.
    cedar = _answer(scenario.responses[(2, "Cedar Council")], "c1.challenges", f"We lack staff. {SECRET} That is all.")
    code(cedar, scenario.t2, status="accepted")
    alder = _answer(
        scenario.responses[(2, "Alder NHS Trust")], "c1.challenges", "We lack staff. Alder names a barrier here. Done."
    )
    code(alder, scenario.t2, status="rejected")
    elm = _answer(
        scenario.responses[(2, "Elm ICB")], "c1.challenges", "We lack staff. Elm ICB names a barrier here. Done."
    )
    code(elm, scenario.t2, status="accepted")
    reviewer = staff.create_user("reviewer@pledge.example", "a long reviewer password", role="reviewer", name="R")
    db.session.add(AnswerReview(answer_id=alder.id, reviewer_id=reviewer.id))
    db.session.commit()
    return scenario

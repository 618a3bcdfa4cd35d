"""Gathering a round's synthesis data: one query per concern, a fixed number in all however many organisations
report (a test counts them), into the plain dataclasses of `data.py`."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from survey.extensions import db
from survey.models import (
    Answer,
    Code,
    CodebookVersion,
    Commitment,
    Organisation,
    Pledge,
    QuestionnaireVersion,
    Response,
    Round,
    Theme,
)
from survey.models.pledge import ORGANISATION_KINDS
from survey.models.states import CodeLevel, CodeSource, CodeStatus, ResponseStatus
from survey.questionnaire import expand
from survey.rates import rate_ratios
from survey.reports import data as d
from survey.services.agreement import machine_vs_reviewed

QUOTES_PER_PART = 5  # short illustrative quotes: one for each of the most raised themes of a part
QUOTE_CHARS = 320
ACROSS = (
    ("challenges", "Challenges and barriers", ("challenges",)),
    ("support_wanted", "Support wanted", ("support_wanted",)),
)
COMMITMENT_QUESTIONS = ("actions", "impact", "challenges")


# A sentence ends at . ! ? … and the Arabic question mark and Urdu full stop (؟ ۔) before a space, at the
# ideographic ones (。！？) wherever they stand, and at a line break.
_SENTENCE_END = re.compile(r"[.!?…؟۔](?=\s)|[。！？]|\n")


def sentence_around(text: str, start: int, end: int) -> str:
    """The whole sentence(s) holding the span text[start:end]: evidence already cut at sentences is kept as it is,
    a phrase grows to its sentence, so a quote never starts or stops mid-thought."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, max(start, 0))]
    after = _SENTENCE_END.search(text, max(end - 1, 0))
    sentence = text[before[-1] if before else 0 : after.end() if after else len(text)]
    return sentence.strip().lstrip("-–•* ").strip()  # a list item's marker is not part of the quote


class SynthesisError(LookupError):
    """The round asked for does not exist."""


def counted(draft: bool) -> Any:
    """The codes a synthesis counts: reviewed ones (accepted, or added and not rejected); a draft also counts machine
    codes nobody has decided yet at the strong level. A "possible" code never counts until a person accepts it."""
    reviewed = or_(
        Code.status == CodeStatus.ACCEPTED,
        and_(Code.source == CodeSource.REVIEWER, Code.status != CodeStatus.REJECTED),
    )
    if not draft:
        return reviewed
    return or_(reviewed, and_(Code.status == CodeStatus.PROPOSED, Code.level == CodeLevel.PROPOSED))


def _article(phrase: str) -> str:
    """ "an NHS mental health trust", "a council": the phrase with its indefinite article."""
    lowered = phrase if phrase[:2].isupper() else phrase[:1].lower() + phrase[1:]
    return ("an " if lowered[:1].lower() in "aeiou" or lowered.startswith(("NHS", "ICB")) else "a ") + lowered


def _in_region(region: str) -> str:
    """ "in the North West", "in London"."""
    compass = region.split(" ", 1)[0] in {"North", "South", "East", "West", "Midlands"}
    return f"in {'the ' if compass else ''}{region}"


def anonymous_labels(orgs: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """How an organisation quoted anonymously is described: type and region, widened to its type alone when it is
    the only one of its type in its region, and to "a signatory organisation" when it is the only one of its type."""
    orgs = list(orgs)
    by_kind_region = Counter((kind, region) for _, kind, region in orgs)
    by_kind = Counter(kind for _, kind, _ in orgs)
    labels = {}
    for org_id, kind, region in orgs:
        kind_label = ORGANISATION_KINDS.get(kind, kind)
        if region and by_kind_region[(kind, region)] > 1:
            labels[org_id] = f"{_article(kind_label)} {_in_region(region)}"
        elif by_kind[kind] > 1:
            labels[org_id] = _article(kind_label)
        else:
            labels[org_id] = "a signatory organisation"
    return labels


@dataclass
class _Tally:
    """Organisations raising each theme in one part of the reports, split by whether a person reviewed the code."""

    reviewed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    unreviewed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    before: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def counts(self, names: dict[str, str], both: set[int] | None) -> tuple[d.ThemeCount, ...]:
        """Theme counts, most raised first."""
        rows = []
        for key in set(self.reviewed) | set(self.unreviewed):
            now = self.reviewed[key] | self.unreviewed[key]
            rows.append(
                d.ThemeCount(
                    key=key,
                    name=names.get(key, key),
                    organisations=len(now),
                    unreviewed=len(now - self.reviewed[key]),
                    both_now=None if both is None else len(now & both),
                    both_before=None if both is None else len(self.before[key] & both),
                )
            )
        return tuple(sorted(rows, key=lambda t: (-t.organisations, t.name)))


def _pick(
    candidates: dict[str, list[tuple[bool, int, int, int]]], order: list[str]
) -> dict[str, tuple[bool, int, int, int]]:
    """One quote for each of the most raised themes (in `order`), up to QUOTES_PER_PART, each from an organisation
    not yet quoted in this part; reviewed codes first, then the earliest answer."""
    seen: set[int] = set()
    picked = {}
    for theme in order:
        best = next((c for c in sorted(candidates.get(theme, ())) if c[2] not in seen), None)
        if best is not None:
            seen.add(best[2])
            picked[theme] = best
        if len(picked) == QUOTES_PER_PART:
            break
    return picked


def _is_reviewed(source: str, status: str) -> bool:
    return status == CodeStatus.ACCEPTED or (source == CodeSource.REVIEWER and status != CodeStatus.REJECTED)


class _Gatherer:
    """One round's synthesis, read query by query."""

    def __init__(self, round_id: int, draft: bool) -> None:
        self.draft = draft
        previous = aliased(Round)
        row = db.session.execute(
            select(Round, Pledge.name, QuestionnaireVersion.definition, previous.name)
            .join(Pledge, Pledge.id == Round.pledge_id)
            .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
            .outerjoin(previous, previous.id == Round.previous_round_id)
            .where(Round.id == round_id)
        ).first()
        if row is None:
            raise SynthesisError(f"round {round_id} does not exist")
        self.round, self.pledge_name, definition, self.previous_name = row
        self.titles = list(
            db.session.execute(
                select(Commitment.number, Commitment.title)
                .where(Commitment.pledge_id == self.round.pledge_id)
                .order_by(Commitment.number)
            )
        )
        self.questionnaire = expand(definition, self.titles, first_report=False)

    def organisations(self) -> None:
        """The round's expected organisations, whether each reported here and in the previous round."""
        rows = db.session.execute(
            select(
                Response.id, Response.status, Organisation.id, Organisation.name, Organisation.kind, Organisation.region
            )
            .join(Organisation, Organisation.id == Response.organisation_id)
            .where(Response.round_id == self.round.id)
            .order_by(Organisation.name)
        ).all()
        before: set[int] = set()
        if self.round.previous_round_id:
            before = set(
                db.session.scalars(
                    select(Response.organisation_id).where(
                        Response.round_id == self.round.previous_round_id, Response.status == ResponseStatus.SUBMITTED
                    )
                )
            )
        self.rows = rows
        self.reported = {r[2] for r in rows if r[1] == ResponseStatus.SUBMITTED}
        self.both = (self.reported & before) if self.round.previous_round_id else None
        self.before = before
        self.anonymous = anonymous_labels((r[2], r[4], r[5]) for r in rows)

    def structured(self) -> None:
        """The rated, chosen and counted answers of submitted reports, and each organisation's consent. Single
        choices are read as JSON text (decoding 20,000 small JSON values cost a second); lists and tables as JSON."""
        self.values: dict[str, dict[int, Any]] = defaultdict(dict)  # field key -> organisation -> value
        submitted = (Response.round_id == self.round.id, Response.status == ResponseStatus.SUBMITTED)
        choices = db.session.execute(
            select(Response.organisation_id, Answer.field_key, cast(Answer.value, Text))
            .join(Response, Response.id == Answer.response_id)
            .where(*submitted, Answer.question_key.in_(("progress", "publish", "quote_attribution")))
        )
        for org_id, field_key, text in choices:
            self.values[field_key][org_id] = text[1:-1] if text and text[0] == '"' else text
        for org_id, field_key, value in db.session.execute(
            select(Response.organisation_id, Answer.field_key, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(*submitted, Answer.question_key.in_(("measures", "ethnicity_counts")))
        ):
            self.values[field_key][org_id] = value

    def consent(self, org_id: int) -> tuple[bool, bool]:
        """(may publish and quote, may name): only a report whose organisation said yes to publication is quoted."""
        publish = self.values["publish"].get(org_id) == "yes" if org_id in self.reported else False
        return publish, publish and self.values["quote_attribution"].get(org_id) == "attributed"

    def codes(self) -> None:
        """Every counted code of both rounds' submitted reports, tallied by part of the reports and theme (spans are
        read later, for the few codes quoted: decoding them all cost more than the rest of the gathering)."""
        rounds = [self.round.id] + ([self.round.previous_round_id] if self.round.previous_round_id else [])
        parts = {f"commitment-{n}": _Tally() for n, _ in self.titles}
        parts.update({key: _Tally() for key, _, _ in ACROSS})
        parts["overall"] = _Tally()
        across = {q: key for key, _, questions in ACROSS for q in questions}
        self.parts = parts
        # (part, theme) -> [(unreviewed, answer id, organisation, code id)] of organisations that consented
        self.candidates: dict[tuple[str, str], list[tuple[bool, int, int, int]]] = defaultdict(list)
        reviewed = case((counted(draft=False), True), else_=False)
        query = (
            select(
                Response.round_id,
                Response.organisation_id,
                Answer.id,
                Answer.question_key,
                Answer.commitment_number,
                Code.theme_key,
                reviewed,
                Code.id,
            )
            .join(Answer, Answer.id == Code.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id.in_(rounds), Response.status == ResponseStatus.SUBMITTED, counted(self.draft))
        )
        current = self.round.id
        consenting = {org_id for org_id in self.reported if self.consent(org_id)[0]}
        tallies: dict[tuple[str, int | None], list[tuple[str, _Tally]]] = {}
        # On the session's connection, as plain rows: the ORM's result processing was a third of the time.
        rows = db.session.connection().execute(query).all()
        for round_id, org_id, answer_id, question, number, theme, is_reviewed, code_id in rows:
            found = tallies.get((question, number))
            if found is None:
                names = ["overall"]
                if number is not None and question in COMMITMENT_QUESTIONS:
                    names.append(f"commitment-{number}")
                if question in across:
                    names.append(across[question])
                found = tallies[(question, number)] = [(name, parts[name]) for name in names if name in parts]
            for name, tally in found:
                if round_id != current:
                    tally.before[theme].add(org_id)
                    continue
                (tally.reviewed if is_reviewed else tally.unreviewed)[theme].add(org_id)
                if name != "overall" and org_id in consenting:
                    self.candidates[(name, theme)].append((not is_reviewed, answer_id, org_id, code_id))

    def quotes(self) -> dict[str, list[d.Quote]]:
        """A few quotes per part: one for each of its most raised themes, from different organisations."""
        by_part: dict[str, dict[str, list[tuple[bool, int, int, int]]]] = defaultdict(dict)
        for (part, theme), found in self.candidates.items():
            by_part[part][theme] = found
        chosen = {}
        for part, found in by_part.items():
            tally = self.parts[part]
            raised = {key: len(tally.reviewed[key] | tally.unreviewed[key]) for key in found}
            for theme, candidate in _pick(found, sorted(raised, key=lambda k: (-raised[k], k))).items():
                chosen[(part, theme)] = [candidate]
        ids = {c[3] for picked in chosen.values() for c in picked}
        evidence = {}
        if ids:
            rows = db.session.execute(select(Code.id, Code.spans, Answer.text).join(Answer).where(Code.id.in_(ids)))
            evidence = {code_id: (spans, text or "") for code_id, spans, text in rows}
        quotes: dict[str, list[d.Quote]] = defaultdict(list)
        labels = self.labels()
        for (part, theme), picked in chosen.items():
            for unreviewed, answer_id, org_id, code_id in picked:
                spans, text = evidence.get(code_id, ([], ""))
                if not spans:
                    continue
                quote = sentence_around(text, spans[0][0], spans[0][1])
                if len(quote) > QUOTE_CHARS:
                    quote = quote[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
                if quote:
                    quotes[part].append(d.Quote(theme, quote, labels[org_id], answer_id, unreviewed))
        return quotes

    def labels(self) -> dict[int, str]:
        """How each organisation is named: by name where it allowed attribution, else anonymously."""
        return {r[2]: (r[3] if self.consent(r[2])[1] else self.anonymous[r[2]]) for r in self.rows}

    def method(
        self, theme_names: dict[str, str], themes: tuple[d.ThemeInfo, ...], codebook: tuple[str, int]
    ) -> d.Method:
        """Coding counts and the agreement between machine and reviewed codes."""
        tallies = db.session.execute(
            select(Code.source, Code.status, func.count(), func.count(func.distinct(Code.answer_id)))
            .join(Answer, Answer.id == Code.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == self.round.id, Response.status == ResponseStatus.SUBMITTED)
            .group_by(Code.source, Code.status)
        ).all()
        by = Counter()
        for source, status, n, _ in tallies:
            by[(source, status)] += n
        machine = sum(n for (source, _), n in by.items() if source != CodeSource.REVIEWER)
        reviewed = sum(
            n for (source, status), n in by.items() if _is_reviewed(source, status) or status == CodeStatus.REJECTED
        )
        keys = [t.key for t in themes]
        agree = machine_vs_reviewed(self.round.id, keys)
        return d.Method(
            codebook_name=codebook[0],
            codebook_version=codebook[1],
            themes=themes,
            answers_coded=max((n for *_, n in tallies), default=0),
            machine_codes=machine,
            codes_reviewed=reviewed,
            codes_accepted=sum(n for (_, status), n in by.items() if status == CodeStatus.ACCEPTED),
            codes_rejected=sum(n for (_, status), n in by.items() if status == CodeStatus.REJECTED),
            codes_added=sum(
                n
                for (source, status), n in by.items()
                if source == CodeSource.REVIEWER and status != CodeStatus.REJECTED
            ),
            answers_reviewed=agree.answers,
            micro_precision=agree.micro_precision,
            micro_recall=agree.micro_recall,
            micro_f1=agree.micro_f1,
            macro_f1=agree.macro_f1,
            agreement=tuple(
                d.ThemeAgreementRow(
                    t.theme_key, theme_names.get(t.theme_key, t.theme_key), t.tp + t.fn, t.precision, t.recall, t.kappa
                )
                for t in agree.themes
                if t.tp + t.fp + t.fn
            ),
        )


def _codebook(pledge_id: int) -> tuple[tuple[str, int], tuple[d.ThemeInfo, ...]]:
    """The pledge's latest codebook version and its themes."""
    rows = db.session.execute(
        select(CodebookVersion.name, CodebookVersion.version, Theme.key, Theme.name, Theme.description)
        .join(Theme, Theme.codebook_version_id == CodebookVersion.id)
        .where(
            CodebookVersion.id
            == select(CodebookVersion.id)
            .where(CodebookVersion.pledge_id == pledge_id)
            .order_by(CodebookVersion.version.desc())
            .limit(1)
            .scalar_subquery()
        )
        .order_by(Theme.position, Theme.key)
    ).all()
    if not rows:
        return ("(no codebook)", 0), ()
    return (rows[0][0], rows[0][1]), tuple(d.ThemeInfo(r[2], r[3], r[4]) for r in rows)


def _progress(g: _Gatherer, ratings: tuple[tuple[str, str], ...]) -> tuple[d.Progress, ...]:
    """How many reporting organisations chose each rating, per commitment."""
    out = []
    for number, title in g.titles:
        chosen = Counter(g.values[f"c{number}.progress"].values())
        counts = tuple(chosen.get(key, 0) for key, _ in ratings)
        out.append(d.Progress(number, title, counts, len(g.reported) - sum(counts)))
    return tuple(out)


def _measures(g: _Gatherer, labels: dict[int, str]) -> tuple[tuple[d.Measure, ...], int, tuple[d.Monitoring, ...]]:
    """How many organisations monitor each commitment-2 measure, and what each that allowed naming monitors."""
    question = g.questionnaire.question("c2.measures")
    if question is None:
        return (), 0, ()
    chosen = {o: v for o, v in g.values["c2.measures"].items() if isinstance(v, list)}
    counts = Counter(key for v in chosen.values() for key in set(v))
    measures = tuple(d.Measure(key, label, counts.get(key, 0)) for key, label in question.choices)
    monitoring = tuple(
        d.Monitoring(labels[o], tuple(label for key, label in question.choices if key in v))
        for o, v in sorted(chosen.items(), key=lambda item: labels[item[0]])
        if g.consent(o)[1]
    )
    return measures, len(chosen), monitoring


def _rates(g: _Gatherer, labels: dict[int, str]) -> d.Rates:
    """Rate ratios from every complete table pooled, and each organisation's that consented to publication."""
    question = g.questionnaire.question("c2.ethnicity_counts")
    groups = question.rows if question is not None else ()
    count, denominator = question.rate if question is not None and question.rate else ("detentions", "population")
    complete = {
        o: v
        for o, v in g.values["c2.ethnicity_counts"].items()
        if isinstance(v, dict)
        and all(isinstance(v.get(k), dict) and v[k].get(count) is not None and v[k].get(denominator) for k, _ in groups)
    }
    pooled = {
        k: {
            count: sum(v[k][count] for v in complete.values()),
            denominator: sum(v[k][denominator] for v in complete.values()),
        }
        for k, _ in groups
    }
    mine = tuple(
        (labels[o], rate_ratios(v, groups, count=count, denominator=denominator))
        for o, v in sorted(complete.items(), key=lambda item: labels[item[0]])
        if g.consent(o)[1]
    )
    return d.Rates(
        len(complete), rate_ratios(pooled if complete else None, groups, count=count, denominator=denominator), mine
    )


def gather(round_id: int, *, draft: bool = False) -> d.SynthesisData:
    """A round's synthesis data: published (reviewed codes only) or a draft (unreviewed codes too, marked)."""
    g = _Gatherer(round_id, draft)
    g.organisations()
    g.structured()
    g.codes()
    codebook, themes = _codebook(g.round.pledge_id)
    names = {t.key: t.name for t in themes}
    quotes = g.quotes()
    labels = g.labels()

    def findings(key: str, title: str, number: int | None, questions: tuple[str, ...]) -> d.Findings:
        return d.Findings(
            key,
            title,
            number,
            questions,
            g.parts[key].counts(names, g.both),
            tuple(quotes.get(key, ())),
        )

    progress_q = g.questionnaire.question(f"c{g.titles[0][0]}.progress") if g.titles else None
    ratings = progress_q.choices if progress_q is not None else ()
    measures, measures_answered, monitoring = _measures(g, labels)
    organisations = tuple(
        d.Organisation(
            id=org_id,
            name=name,
            kind_label=ORGANISATION_KINDS.get(kind, kind),
            region=region,
            response_id=response_id,
            reported=org_id in g.reported,
            reported_before=org_id in g.before,
            publish=g.consent(org_id)[0],
            attributed=g.consent(org_id)[1],
            label=labels[org_id],
        )
        for response_id, _, org_id, name, kind, region in g.rows
    )
    return d.SynthesisData(
        pledge=g.pledge_name,
        round_id=g.round.id,
        round_name=g.round.name,
        previous_round=g.previous_name,
        built_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        draft=draft,
        expected=len(g.rows),
        reported=len(g.reported),
        reported_both=len(g.both or ()),
        organisations=organisations,
        ratings=ratings,
        progress=_progress(g, ratings),
        overall=g.parts["overall"].counts(names, g.both),
        commitments=tuple(findings(f"commitment-{n}", t, n, COMMITMENT_QUESTIONS) for n, t in g.titles),
        across=tuple(findings(key, title, None, qs) for key, title, qs in ACROSS),
        measures=measures,
        measures_answered=measures_answered,
        monitoring=monitoring,
        rates=_rates(g, labels),
        method=g.method(names, themes, codebook),
    )

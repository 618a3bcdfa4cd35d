"""The demo's fictional content: data files in this folder, read on first use, and the answers drawn from them.

The lists the questionnaire defines (organisation kinds, progress ratings, measures, ethnic groups, free-text
questions) are read from its definition; the YAML files here hold only what the demo adds: organisations and
their people, local colour, sentence banks and the weights of the choices. `ORGANISATIONS`, `KINDS`, ... are
module attributes computed on first access, so importing this module reads nothing.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from survey.demo import prose
from survey.questionnaire import FREE_TEXT_TYPES, load_definition

DATA = Path(__file__).parent


@dataclass(frozen=True)
class DemoContact:
    """A person at a demo organisation who may respond to a round."""

    name: str
    role: str
    email: str


@dataclass(frozen=True)
class DemoOrganisation:
    """A fictional signatory organisation, with how its reports name it and the places they mention."""

    name: str
    kind: str
    region: str
    contacts: tuple[DemoContact, ...]
    short: str = ""
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sentence:
    """A template sentence with the organisation kinds and rounds it suits."""

    text: str
    kinds: frozenset[str] | None = None
    later_rounds_only: bool = False

    def fits(self, kind: str, round_number: int) -> bool:
        """Whether the sentence suits this organisation kind and round."""
        if self.later_rounds_only and round_number < 2:
            return False
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class KindWords:
    """How a report by one kind of organisation names itself, its governance and the people who lead."""

    noun: str
    us: str
    boards: tuple[str, ...]
    lead_roles: tuple[str, ...]


@dataclass(frozen=True)
class Colour:
    """The community partners, programmes and other names an organisation's sentences draw on."""

    communities: tuple[str, ...]
    community_suffixes: tuple[str, ...]
    community_organisations: tuple[str, ...]
    programmes: tuple[str, ...]
    programme_suffixes: tuple[str, ...]
    universities: tuple[str, ...]
    groups: tuple[str, ...]
    staff_networks: tuple[str, ...]
    months: tuple[str, ...]
    place_heads: tuple[str, ...]
    place_tails: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """The sentence banks and the fixed phrases of free-text answers."""

    by_commitment: Mapping[str, Mapping[int, tuple[Sentence, ...]]]  # question → commitment → sentences
    shared: Mapping[str, tuple[Sentence, ...]]
    openers: Mapping[str, tuple[Sentence, ...]]
    questions: Mapping[str, tuple[Sentence, ...]]  # the free-text questions not asked per commitment
    bullet_intros: Mapping[str, tuple[str, ...]]
    closers: tuple[Sentence, ...]
    quotes: tuple[str, ...]
    quote_frames: tuple[str, ...]
    since_last_report: str
    first_report_changes: str
    goal_intros: tuple[str, ...]
    goals_preamble: str
    goal_leads: tuple[str, ...]
    goal_brief_leads: tuple[str, ...]
    goal_also: str


@dataclass(frozen=True)
class Content:
    """Everything the demo writes from: its data files and the questionnaire's lists."""

    organisations: tuple[DemoOrganisation, ...]
    regions: tuple[str, ...]
    kinds: tuple[str, ...]
    ratings: tuple[str, ...]
    measures: tuple[str, ...]
    ethnic_groups: tuple[str, ...]
    questions: tuple[str, ...]
    commitments: tuple[int, ...]
    kind_words: Mapping[str, KindWords]
    colour: Colour
    text: Text
    progress_weights: Mapping[int, tuple[float, ...]]  # in the order of `ratings`
    measure_probability: Mapping[str, float]


def _read(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


def _keys(pairs: list[list[str]]) -> tuple[str, ...]:
    return tuple(str(key) for key, _label in pairs)


def _bank(items: list[Any], groups: Mapping[str, frozenset[str]]) -> tuple[Sentence, ...]:
    """Sentences from a list of strings or of mappings with `text` and optional `kinds` and `later_rounds`."""
    sentences = []
    for item in items:
        if isinstance(item, str):
            sentences.append(Sentence(item))
            continue
        group = item.get("kinds")
        if group is not None and group not in groups:
            raise ValueError(f"demo sentence {item['text']!r} names an unknown kind group {group!r}")
        sentences.append(Sentence(item["text"], groups.get(group), bool(item.get("later_rounds"))))
    return tuple(sentences)


def _organisation(data: dict[str, Any]) -> DemoOrganisation:
    contacts = tuple(DemoContact(c["name"], c["role"], c["email"]) for c in data["contacts"])
    return DemoOrganisation(
        data["name"], data["kind"], data["region"], contacts, data.get("short", ""), tuple(data.get("places", ()))
    )


def _text(
    data: dict[str, Any], commitments: dict[int, dict[str, list[Any]]], groups: Mapping[str, frozenset[str]]
) -> Text:
    by_commitment: dict[str, dict[int, tuple[Sentence, ...]]] = {}
    for number, banks in commitments.items():
        for question, items in banks.items():
            by_commitment.setdefault(question, {})[int(number)] = _bank(items, groups)
    return Text(
        by_commitment=by_commitment,
        shared={q: _bank(items, groups) for q, items in data["shared"].items()},
        openers={q: _bank(items, groups) for q, items in data["openers"].items()},
        questions={q: _bank(items, groups) for q, items in data["questions"].items()},
        bullet_intros={q: tuple(items) for q, items in data["bullet_intros"].items()},
        closers=_bank(data["closers"], groups),
        quotes=tuple(data["quotes"]),
        quote_frames=tuple(data["quote_frames"]),
        since_last_report=data["since_last_report"],
        first_report_changes=data["first_report_changes"],
        goal_intros=tuple(data["goal_intros"]),
        goals_preamble=data["goals_preamble"],
        goal_leads=tuple(data["goal_leads"]),
        goal_brief_leads=tuple(data["goal_brief_leads"]),
        goal_also=data["goal_also"],
    )


def _check(content: Content, per_commitment: set[str]) -> None:
    """Raise ValueError when the data files disagree with the questionnaire or with each other."""
    kinds, text, commitments = set(content.kinds), content.text, content.commitments
    unknown = [o.name for o in content.organisations if o.kind not in kinds or o.region not in content.regions]
    others = set(content.questions) - per_commitment
    banks, weights, chances = text.by_commitment.values(), content.progress_weights, content.measure_probability
    wrong = {
        f"organisations.yaml: unknown kind or region of {unknown}": unknown,
        "organisations.yaml: `kinds` must describe each kind": set(content.kind_words) != kinds,
        f"commitments.yaml: each commitment needs {sorted(per_commitment)}": set(text.by_commitment) != per_commitment,
        "commitments.yaml: each question needs every commitment": any(tuple(sorted(b)) != commitments for b in banks),
        f"text.yaml: `questions` needs {sorted(others)}": set(text.questions) != others,
        "choices.yaml: `progress_weights` needs each commitment": tuple(sorted(weights)) != commitments,
        "choices.yaml: `measure_probability` needs each measure": set(chances) != set(content.measures),
    }
    problems = [message for message, bad in wrong.items() if bad]
    if problems:
        raise ValueError("demo content: " + "; ".join(problems))


@cache
def load() -> Content:
    """Read the demo's data files and the questionnaire's lists (once per process)."""
    definition = load_definition()
    sections = {q["key"]: s for s in definition["sections"] for q in s["questions"]}
    questions = {q["key"]: q for s in definition["sections"] for q in s["questions"]}
    free_text = tuple(key for key, q in questions.items() if q["type"] in FREE_TEXT_TYPES)
    per_commitment = {key for key in free_text if sections[key].get("per_commitment")}
    kinds = _keys(questions["organisation_type"]["choices"])
    ratings = _keys(questions["progress"]["choices"])

    people, colour, choices = _read("organisations"), _read("colour"), _read("choices")
    groups = {name: frozenset(members) for name, members in people["kind_groups"].items()}
    text = _text(_read("text"), _read("commitments")["commitments"], groups)
    content = Content(
        organisations=tuple(_organisation(o) for o in people["organisations"]),
        regions=tuple(people["regions"]),
        kinds=kinds,
        ratings=ratings,
        measures=_keys(questions["measures"]["choices"]),
        ethnic_groups=_keys(questions["ethnicity_counts"]["rows"]),
        questions=free_text,
        commitments=tuple(sorted(next(iter(text.by_commitment.values())))),
        kind_words={
            kind: KindWords(w["noun"], w["us"], tuple(w["boards"]), tuple(w["lead_roles"]))
            for kind, w in people["kinds"].items()
        },
        colour=Colour(**{key: tuple(items) for key, items in colour.items()}),
        text=text,
        progress_weights={
            int(c): tuple(weights[r] for r in ratings) for c, weights in choices["progress_weights"].items()
        },
        measure_probability=choices["measure_probability"],
    )
    _check(content, per_commitment)
    return content


_LISTS = {
    "ORGANISATIONS": "organisations",
    "REGIONS": "regions",
    "KINDS": "kinds",
    "RATINGS": "ratings",
    "MEASURES": "measures",
    "ETHNIC_GROUPS": "ethnic_groups",
    "QUESTIONS": "questions",
    "COMMITMENTS": "commitments",
}


def __getattr__(name: str) -> Any:
    """`ORGANISATIONS`, `KINDS`, ...: the content's lists, read on first access (PEP 562)."""
    if name in _LISTS:
        return getattr(load(), _LISTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def respondent(org: DemoOrganisation) -> DemoContact:
    """The contact who responds for the organisation (the first one)."""
    return org.contacts[0]


def answer_text(
    rng: random.Random, *, question: str, commitment: int | None, org: DemoOrganisation, round_number: int
) -> str:
    """Realistic free text answering one question of a progress report."""
    content = load()
    if question not in content.questions:
        raise ValueError(f"unknown question: {question!r}")
    if question in content.text.by_commitment and commitment not in content.commitments:
        raise ValueError(f"question {question!r} needs a commitment from 1 to 7, got {commitment!r}")
    return prose.answer(rng, content, question=question, commitment=commitment, org=org, round_number=round_number)


def progress_rating(rng: random.Random, *, commitment: int, round_number: int) -> str:
    """A plausible progress self-assessment; later rounds tend to rate higher."""
    content = load()
    if commitment not in content.commitments:
        raise ValueError(f"commitment must be 1 to 7, got {commitment!r}")
    weights = list(content.progress_weights[commitment])
    for _ in range(max(0, round_number - 1)):
        shifted = [weights[0] * 0.6]
        for index in range(1, len(weights)):
            keep = 0.6 if index < len(weights) - 1 else 1.0
            shifted.append(weights[index] * keep + weights[index - 1] * 0.4)
        weights = shifted
    return rng.choices(content.ratings, weights=weights)[0]


def measures(rng: random.Random) -> list[str]:
    """The measures an organisation monitors by ethnicity (at least one)."""
    content = load()
    chosen = [measure for measure in content.measures if rng.random() < content.measure_probability[measure]]
    return chosen or [content.measures[0]]


def ethnicity_counts(rng: random.Random) -> dict[str, dict[str, int]] | None:
    """Annual detentions and population per ethnic group, or None (~40% of the time)."""
    if rng.random() < 0.4:
        return None
    total = rng.randrange(220_000, 1_200_000, 1_000)
    shares = {
        "asian": rng.uniform(0.05, 0.28),
        "black": rng.uniform(0.03, 0.17),
        "mixed": rng.uniform(0.025, 0.055),
        "other": rng.uniform(0.015, 0.06),
    }
    shares["white"] = 1.0 - sum(shares.values())
    white_rate = rng.uniform(55.0, 95.0)  # detentions per 100,000 per year
    multipliers = {
        "white": 1.0,
        "black": rng.uniform(3.0, 4.8),
        "asian": rng.uniform(0.9, 1.5),
        "mixed": rng.uniform(1.6, 2.6),
        "other": rng.uniform(1.8, 3.0),
    }
    counts: dict[str, dict[str, int]] = {}
    for group in load().ethnic_groups:
        population = max(10_000, int(round(total * shares[group], -2)))
        expected = population * white_rate * multipliers[group] / 100_000
        detentions = max(0, round(expected * rng.uniform(0.94, 1.06)))
        counts[group] = {"detentions": min(detentions, population), "population": population}
    return counts


def publication_choice(rng: random.Random) -> tuple[bool, str]:
    """Whether the report may be published, and whether quotes may be attributed or anonymous."""
    may_publish = rng.random() < 0.85
    if may_publish and rng.random() < 0.7:
        return True, "attributed"
    return may_publish, "anonymous"

"""The suggester's data: the reviewed answers it learns from, whether there are enough, its stored versions, and
the "train_suggester" job kind.

No scikit-learn here: the web process imports this module to show the suggester's state and queue its training;
the training itself, and the models, live in `survey/services/suggester_models.py`, which only a process that
trains or suggests loads (see `_models`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import exists, func, select

from survey.extensions import db
from survey.models import Answer, AnswerReview, ClassifierModel, Code, CodebookVersion, Job, Response, Round
from survey.models.states import CodeLevel, CodeSource, CodeStatus, TaggingState
from survey.services import codebooks
from survey.services import jobs as lifecycle
from survey.services.jobs import JobKind

# Reviewed answers needed before training: a quarter of them, by organisation, is held out to measure the model.
MIN_REVIEWED = 40
# Positive examples a theme needs before the suggester may suggest it (nlp.suggest.MIN_POSITIVES says the same;
# it is repeated here so the web process can say what is missing without importing scikit-learn).
MIN_POSITIVES = 10
QUEUE = "default"

REVIEWED = exists().where(AnswerReview.answer_id == Answer.id)


class SuggesterError(LookupError):
    """The suggester cannot be trained or used as asked (too few reviewed answers, an unknown pledge)."""


def _models() -> ModuleType:
    """Training and the loaded models, imported on first use: they bring scikit-learn, which the web never loads."""
    from survey.services import suggester_models

    return suggester_models


@dataclass(frozen=True)
class Example:
    """A reviewed answer as the suggester learns from it: its text, organisation, the themes the reviewers gave it
    (accepted, or added and not rejected) and the themes the rules proposed."""

    answer_id: int
    text: str
    organisation_id: int
    themes: frozenset[str]
    rules: frozenset[str]


def _pledge_answers(pledge_id: int) -> Any:
    """A SELECT of the pledge's free-text answers that were submitted (tagging began), with their organisation."""
    return (
        select(Answer.id, Answer.text, Response.organisation_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.pledge_id == pledge_id, Answer.tagging != TaggingState.NONE)
    )


def reviewed_examples(pledge_id: int) -> list[Example]:
    """The pledge's reviewed answers (an `answer_reviews` row), each with its reviewed and rule themes, by id."""
    answers = _pledge_answers(pledge_id).where(REVIEWED).subquery()
    rows = db.session.execute(
        select(answers, Code.theme_key, Code.source, Code.status, Code.level)
        .outerjoin(Code, Code.answer_id == answers.c.id)
        .order_by(answers.c.id)
    ).all()
    found: dict[int, tuple[str, int, set[str], set[str]]] = {}
    for answer_id, text, organisation_id, theme_key, source, status, level in rows:
        _, _, people, rules = found.setdefault(answer_id, (text or "", organisation_id, set(), set()))
        if theme_key is None:
            continue
        if status == CodeStatus.ACCEPTED or (source == CodeSource.REVIEWER and status != CodeStatus.REJECTED):
            people.add(theme_key)
        if source == CodeSource.RULE and level == CodeLevel.PROPOSED:
            rules.add(theme_key)
    return [
        Example(answer_id, text, organisation_id, frozenset(people), frozenset(rules))
        for answer_id, (text, organisation_id, people, rules) in found.items()
    ]


@dataclass(frozen=True)
class Readiness:
    """Whether a pledge has enough reviewed answers to train on, and what is missing."""

    reviewed: int
    organisations: int
    positives: dict[str, int]  # theme key → reviewed answers carrying it

    @property
    def answers_needed(self) -> int:
        """More reviewed answers needed before training (0 when there are enough)."""
        return max(MIN_REVIEWED - self.reviewed, 0)

    @property
    def learnable(self) -> list[str]:
        """Themes with enough positive examples to be suggested."""
        return [key for key, n in self.positives.items() if n >= MIN_POSITIVES]

    @property
    def ready(self) -> bool:
        """Enough answers, from at least two organisations (one is held out), and a theme to learn."""
        return not self.answers_needed and self.organisations >= 2 and bool(self.learnable)

    def examples_needed(self, theme_key: str) -> int:
        """More reviewed answers carrying this theme needed before it can be suggested."""
        return max(MIN_POSITIVES - self.positives.get(theme_key, 0), 0)

    @property
    def themes_short(self) -> list[tuple[str, int]]:
        """The themes that cannot be suggested yet, each with how many more reviewed examples it needs."""
        return [(key, self.examples_needed(key)) for key in self.positives if self.examples_needed(key)]


def theme_keys(pledge_id: int) -> list[str]:
    """The keys of the themes of the pledge's current codebook version, in the codebook's order."""
    version = db.session.get(CodebookVersion, codebooks.current_version_id(pledge_id))
    return [theme.key for theme in version.themes] if version is not None else []


def readiness(pledge_id: int, examples: Sequence[Example] | None = None) -> Readiness:
    """How many reviewed answers the pledge has, from how many organisations, and each theme's positive examples."""
    examples = reviewed_examples(pledge_id) if examples is None else examples
    keys = theme_keys(pledge_id)
    return Readiness(
        reviewed=len(examples),
        organisations=len({e.organisation_id for e in examples}),
        positives={key: sum(key in e.themes for e in examples) for key in keys},
    )


def unreviewed_answer_ids(pledge_id: int) -> list[int]:
    """The pledge's submitted free-text answers nobody has marked reviewed: the ones to suggest themes for."""
    query = _pledge_answers(pledge_id).where(~REVIEWED).order_by(Answer.id)
    return [row.id for row in db.session.execute(query)]


def latest_model(pledge_id: int) -> ClassifierModel | None:
    """The pledge's newest suggester version (its blob not loaded)."""
    return db.session.scalar(
        select(ClassifierModel).where(ClassifierModel.pledge_id == pledge_id).order_by(ClassifierModel.version.desc())
    )


def models(pledge_id: int) -> list[ClassifierModel]:
    """Every suggester version of a pledge, newest first (blobs not loaded)."""
    return list(
        db.session.scalars(
            select(ClassifierModel)
            .where(ClassifierModel.pledge_id == pledge_id)
            .order_by(ClassifierModel.version.desc())
        )
    )


def next_version(pledge_id: int) -> int:
    """The version number the pledge's next model takes."""
    latest = db.session.scalar(select(func.max(ClassifierModel.version)).where(ClassifierModel.pledge_id == pledge_id))
    return (latest or 0) + 1


def suggestion_count(pledge_id: int) -> int:
    """How many suggestions (model codes still proposed) the pledge's answers hold."""
    query = (
        select(func.count())
        .select_from(Code)
        .join(Answer, Answer.id == Code.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.pledge_id == pledge_id, Code.source == CodeSource.MODEL, Code.status == CodeStatus.PROPOSED)
    )
    return db.session.scalar(query) or 0


# The job kind: the lifecycle (survey/services/jobs.py) calls these. Its one item is the pledge.


def _begin(job: Job) -> None:
    """A training job names its pledge, for the worker to preload the pledge's current model."""
    job.params = {"pledge_id": job.target_id}


def _pending(job: Job) -> list[int]:
    """The pledge, until this job has stored its model."""
    made = db.session.scalar(select(ClassifierModel.id).where(ClassifierModel.job_id == job.id))
    return [] if made is not None else [job.target_id or 0]


def _run(job: Job, pledge_ids: list[int]) -> int:
    """Train a new version on the pledge's reviewed answers and suggest themes for the others."""
    return sum(_models().train_and_suggest(job.id, pledge_id) for pledge_id in pledge_ids)


def _preload(params: dict[str, Any]) -> bool:
    """Load scikit-learn and the pledge's current model (in the worker, before it forks a horse)."""
    return _models().preload(params["pledge_id"])


def _warm() -> list[int]:
    """Load every pledge's current model (at worker start)."""
    return _models().preload_all()


TRAIN = lifecycle.register(
    JobKind(
        "train_suggester",
        pending=_pending,
        run=_run,
        queue=QUEUE,
        batch_size=1,
        label="suggester training",
        begin=_begin,
        preload=_preload,
        warm=_warm,
    )
)


def latest_job(pledge_id: int) -> Job | None:
    """The most recently launched training job of a pledge."""
    return lifecycle.latest_job((TRAIN,), "pledge", pledge_id)


@dataclass(frozen=True)
class Panel:
    """What the lead's suggester panel shows: readiness, the latest job and version, every version, the names of
    the themes and how many suggestions await review."""

    readiness: Readiness
    job: Job | None
    model: ClassifierModel | None
    versions: list[ClassifierModel]
    theme_names: dict[str, str]
    suggestions: int
    min_positives: int = MIN_POSITIVES


def panel(pledge_id: int) -> Panel:
    """The suggester's state for the lead's page."""
    version = codebooks.current_version(pledge_id)
    names = {theme.key: theme.name for theme in version.themes} if version is not None else {}
    versions = models(pledge_id)
    return Panel(
        readiness=readiness(pledge_id),
        job=latest_job(pledge_id),
        model=versions[0] if versions else None,
        versions=versions,
        theme_names=names,
        suggestions=suggestion_count(pledge_id),
    )


def shortfall(ready: Readiness) -> str:
    """Why the suggester cannot be trained yet, in a sentence ("" when it can)."""
    if ready.answers_needed:
        return (
            f"{ready.answers_needed} more reviewed answers are needed before the suggester can be trained "
            f"({ready.reviewed} of {MIN_REVIEWED})."
        )
    if ready.organisations < 2:
        return "Reviewed answers from at least two organisations are needed: one is held out to measure the model."
    if not ready.learnable:
        return f"No theme has {MIN_POSITIVES} reviewed answers yet: the suggester learns a theme from that many."
    return ""

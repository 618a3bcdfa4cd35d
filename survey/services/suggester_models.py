"""Training the suggester, storing its versions and suggesting themes with it; the loaded models, once per process.

Only the processes that train or suggest import this module (the worker, inline jobs, the benchmarks): it brings
scikit-learn in. The worker loads each pledge's current model before RQ forks a work horse, so horses share it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from nlp import suggest
from nlp.evaluate import Report
from survey.extensions import db
from survey.models import Answer, ClassifierModel, Pledge
from survey.models.states import CodeLevel, CodeSource
from survey.services import codebooks, codes
from survey.services import suggester as data
from survey.services.suggester import SuggesterError

SUGGEST_BATCH = 500

# Loaded models by ClassifierModel id (versions are immutable), newest last; a few are kept.
_LOADED: dict[int, suggest.Suggester] = {}
CACHE_SIZE = 3


def load(model: ClassifierModel) -> suggest.Suggester:
    """A stored version, from this process's cache or loaded now (after checking its SHA-256)."""
    found = _LOADED.get(model.id)
    if found is None:
        if suggest.digest(model.blob) != model.sha256:
            raise SuggesterError(f"suggester version {model.version} does not match its checksum: retrain it")
        found = suggest.loads(model.blob)
        while len(_LOADED) >= CACHE_SIZE:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[model.id] = found
    return found


def preload(pledge_id: int) -> bool:
    """Load the pledge's current model unless this process holds it; whether one was loaded now."""
    model = data.latest_model(pledge_id)
    if model is None or model.id in _LOADED:
        return False
    load(model)
    return True


def preload_all() -> list[int]:
    """Load every pledge's current model; the ids of the pledges that have one."""
    return [pledge_id for pledge_id in db.session.scalars(select(Pledge.id)) if preload(pledge_id) or _has(pledge_id)]


def _has(pledge_id: int) -> bool:
    """Whether the pledge's current model is loaded here."""
    model = data.latest_model(pledge_id)
    return model is not None and model.id in _LOADED


def _figures(report: Report) -> dict[str, float]:
    """A report's overall figures, for the stored scores."""
    return {
        "micro_f1": report.micro_f1,
        "precision": report.micro_precision,
        "recall": report.micro_recall,
        "macro_f1": report.macro_f1,
    }


def _scores(result: suggest.Holdout) -> dict[str, Any]:
    """Per-theme F1 of model and rules on the held-out answers, and the overall figures of model, rules and both."""
    learnt = set(result.suggester.themes)
    themes = {
        s.label: {
            "model": result.model.score(s.label).f1 if s.label in learnt else None,
            "rules": s.f1,
            "support": s.support,
            "positives": result.positives.get(s.label, 0),
        }
        for s in result.rules.scores
    }
    return {
        "themes": themes,
        "model": _figures(result.model),
        "rules": _figures(result.rules),
        "combined": _figures(result.combined),
    }


def train_model(job_id: int | None, pledge_id: int) -> ClassifierModel:
    """Train a new version on the pledge's reviewed answers, measured on organisations held out; flushes."""
    examples = data.reviewed_examples(pledge_id)
    ready = data.readiness(pledge_id, examples)
    if not ready.ready:
        raise SuggesterError(
            f"the suggester needs {data.MIN_REVIEWED} reviewed answers from at least two organisations, with "
            f"{data.MIN_POSITIVES} for a theme: {ready.reviewed} reviewed answers from {ready.organisations} "
            f"organisation(s) so far"
        )
    version_id = codebooks.current_version_id(pledge_id)
    keys = data.theme_keys(pledge_id)
    started = time.perf_counter()
    result = suggest.holdout(
        [e.text for e in examples],
        [set(e.themes) for e in examples],
        [set(e.rules) for e in examples],
        [e.organisation_id for e in examples],
        keys,
    )
    blob = suggest.dumps(result.suggester)
    model = ClassifierModel(
        pledge_id=pledge_id,
        version=data.next_version(pledge_id),
        codebook_version_id=version_id,
        job_id=job_id,
        summary={
            "answers": len(examples),
            "organisations": ready.organisations,
            "train_answers": result.train_answers,
            "held_out_answers": result.held_out_answers,
            "held_out_organisations": result.held_out_groups,
            "seconds": round(time.perf_counter() - started, 2),
        },
        scores=_scores(result),
        themes=list(result.suggester.themes),
        sha256=suggest.digest(blob),
        blob=blob,
    )
    db.session.add(model)
    db.session.flush()
    _LOADED[model.id] = result.suggester
    return model


def suggestion_rows(
    answers: Sequence[Any], found: Sequence[dict[str, float]], codebook_version_id: int, theme_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """One model code row per answer (rows with id and revision) and suggested theme, its probability the
    confidence; no spans (the model weighs the whole answer)."""
    return [
        {
            "answer_id": answer.id,
            "theme_id": theme_ids[key],
            "theme_key": key,
            "codebook_version_id": codebook_version_id,
            "spans": [],
            "answer_revision": answer.revision,
            "confidence": round(probability, 4),
            "level": CodeLevel.PROPOSED if probability >= suggest.STRONG else CodeLevel.POSSIBLE,
        }
        for answer, themes in zip(answers, found, strict=True)
        for key, probability in sorted(themes.items())
        if key in theme_ids
    ]


def suggest_answers(model: ClassifierModel, answer_ids: Sequence[int]) -> int:
    """Write the model's suggestions (model codes, proposed, never accepted) for these answers, replacing earlier
    ones; how many answers received at least one; flushes."""
    suggester = load(model)
    theme_ids = codebooks.theme_ids(model.codebook_version_id)
    given = 0
    for start in range(0, len(answer_ids), SUGGEST_BATCH):
        batch = answer_ids[start : start + SUGGEST_BATCH]
        answers = db.session.execute(
            select(Answer.id, Answer.text, Answer.revision).where(Answer.id.in_(batch)).order_by(Answer.id)
        ).all()
        found = suggester.suggest([a.text or "" for a in answers])
        rows = suggestion_rows(answers, found, model.codebook_version_id, theme_ids)
        codes.write_codes(rows, source=CodeSource.MODEL, answer_ids=[a.id for a in answers])
        given += len({row["answer_id"] for row in rows})
    return given


def train_and_suggest(job_id: int, pledge_id: int) -> int:
    """The training job's one item: a new version, then suggestions for every unreviewed answer; 0 when this job
    already stored its version (a re-run)."""
    if db.session.scalar(select(ClassifierModel.id).where(ClassifierModel.job_id == job_id)) is not None:
        return 0
    model = train_model(job_id, pledge_id)
    model.suggested = suggest_answers(model, data.unreviewed_answer_ids(pledge_id))
    db.session.flush()
    return 1

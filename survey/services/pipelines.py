"""The spaCy pipeline of each codebook version, built once per process and cached.

Only the processes that tag import this module (the worker, inline tagging, the benchmarks): it is what brings
spaCy in, so the web processes, which only queue tagging, never pay its memory. The worker fills the cache before
RQ forks a work horse per job, so every horse shares it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from spacy.language import Language
from sqlalchemy import select

from nlp.pipeline import build_pipeline
from nlp.tagging import Tagged, tag_texts
from survey.extensions import db
from survey.models import CodebookVersion, Pledge
from survey.services import codebooks
from survey.services.tagging import TaggingError

PIPELINE_CACHE_SIZE = 3

# Pipelines keyed by codebook version id and creation time, oldest first: an id alone is reused once rows are
# deleted or tables emptied (the tests), and would then serve another codebook's pipeline.
_PIPELINES: dict[tuple[int, datetime], Language] = {}


def _key(codebook_version_id: int) -> tuple[int, datetime]:
    """The cache key of a codebook version: its id and when it was made."""
    created_at = db.session.scalar(select(CodebookVersion.created_at).where(CodebookVersion.id == codebook_version_id))
    if created_at is None:
        raise TaggingError(f"codebook version {codebook_version_id} does not exist")
    return codebook_version_id, created_at


def pipeline_for(codebook_version_id: int) -> Language:
    """The spaCy pipeline of a codebook version, from the cache or built (and cached) now."""
    key = _key(codebook_version_id)
    nlp = _PIPELINES.get(key)
    if nlp is None:
        nlp = build_pipeline(codebooks.as_codebook(db.session.get(CodebookVersion, codebook_version_id)))
        while len(_PIPELINES) >= PIPELINE_CACHE_SIZE:
            _PIPELINES.pop(next(iter(_PIPELINES)))
        _PIPELINES[key] = nlp
    return nlp


def pipeline_loaded(codebook_version_id: int) -> bool:
    """Whether this process already holds the codebook version's pipeline."""
    return _key(codebook_version_id) in _PIPELINES


def preload(codebook_version_id: int) -> bool:
    """Build a codebook version's pipeline unless this process holds it; whether it was built now."""
    if pipeline_loaded(codebook_version_id):
        return False
    pipeline_for(codebook_version_id)
    return True


def preload_pipelines() -> list[int]:
    """Build the pipeline of every pledge's current codebook version (seeding it if missing: flushes); their ids."""
    ids = [codebooks.current_version_id(pledge_id) for pledge_id in db.session.scalars(select(Pledge.id))]
    for version_id in ids:
        pipeline_for(version_id)
    return ids


def tag(codebook_version_id: int, texts: Sequence[str]) -> Iterator[Tagged]:
    """Tag texts with a codebook version's pipeline, in order."""
    return tag_texts(pipeline_for(codebook_version_id), texts)

"""The per-process pipeline cache: a codebook version id reused after its row was deleted never serves the old
codebook's pipeline."""

from __future__ import annotations

from sqlalchemy import delete

from survey.models import CodebookVersion, Theme
from survey.services import pipelines

VERSION_ID = 9_999


def _version(factory, db, theme: str) -> None:
    """A codebook version under a fixed id, with one theme found by "zebra crossing"."""
    data = {
        "key": "cache",
        "name": "Cache test",
        "version": 90,
        "themes": [{"key": theme, "name": theme.title(), "phrases": ["zebra crossing"]}],
    }
    version = CodebookVersion(id=VERSION_ID, pledge_id=factory.pledge.id, version=90, name="Cache test", data=data)
    version.themes = [Theme(key=theme, name=theme.title(), description="", position=0)]
    db.session.add(version)
    db.session.commit()


def _themes(text: str) -> tuple[str, ...]:
    [tagged] = pipelines.tag(VERSION_ID, [text])
    return tagged.themes


def test_a_reused_version_id_gets_its_own_codebooks_pipeline(factory, db):
    _version(factory, db, "crossings")
    assert _themes("We painted a zebra crossing by the surgery.") == ("crossings",)
    assert pipelines.pipeline_loaded(VERSION_ID)
    db.session.execute(delete(Theme).where(Theme.codebook_version_id == VERSION_ID))
    db.session.execute(delete(CodebookVersion).where(CodebookVersion.id == VERSION_ID))
    db.session.commit()
    _version(factory, db, "roads")  # the same id, another codebook (as after tables are emptied between tests)
    assert not pipelines.pipeline_loaded(VERSION_ID)
    assert _themes("We painted a zebra crossing by the surgery.") == ("roads",)

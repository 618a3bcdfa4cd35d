"""The web processes never import spaCy nor scikit-learn: every page, the respondent's and the staff's, in a fresh
process whose tagging is queued on Redis (inline tagging, without REDIS_URL, may load it: that process tags)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nlp.codebook import DEFAULT_CODEBOOK_PATH, load_codebook
from survey.services import codebooks

ROOT = Path(__file__).resolve().parents[2]


def test_no_page_imports_spacy(redis_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "FLASK_SKIP_DOTENV": "1"}
    env.pop("PLEDGE_DEMO", None)
    walked = subprocess.run(
        [sys.executable, "-m", "tests.survey.web_walk", str(tmp_path / "web.sqlite3"), redis_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert walked.returncode == 0, walked.stderr[-4000:]
    found = json.loads(walked.stdout.splitlines()[-1])
    assert found["unexpected"] == [] and found["not_reached"] == [], found
    # The submission queued its tagging and its receipts, and the lead's press a re-tag: none ran in the web process.
    assert found["jobs"] == [["tag", "queued", 1], ["mail", "queued", 2], ["retag", "queued", 1]]
    assert found["spacy_modules"] == []  # "spacy" not in sys.modules, nor any of its submodules
    assert found["sklearn_modules"] == []  # nor scikit-learn, skops or SciPy: the suggester trains in the worker


def test_the_starting_codebook_is_stored_as_shipped_because_the_file_is_already_valid(factory, db) -> None:
    """The web seeds the starting codebook without spaCy's pattern check: the file must be in the checked form."""
    shipped = json.loads(DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8"))
    assert shipped == load_codebook().to_dict()
    version = codebooks.ensure_starting_codebook(factory.pledge)
    assert version.data == {**shipped, "version": 1} and codebooks.as_codebook(version) == load_codebook()

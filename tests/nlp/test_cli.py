"""The ``python -m nlp`` command line, run as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m nlp`` from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "nlp", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_tag_writes_one_line_per_input_in_order() -> None:
    lines = [
        {"id": 1, "text": "We trained staff in cultural competence. Nothing else."},
        {"id": "b", "text": "Nothing to report."},
        {"id": None, "text": "Unpaid carers told us about CAMHS waiting times."},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines[:2]) + "\n\n   \n" + json.dumps(lines[2]) + "\n"
    result = run(["tag"], stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", None]
    assert out[1] == {"id": "b", "themes": [], "codes": []}
    assert "Workforce diversity, training and culture" in out[0]["themes"]
    assert out[2]["themes"] == [
        "Access to services and care pathways",
        "Children and young people",
        "Carers and families",
    ]
    # Per theme: its score, level and the sentences that carry it, with offsets into the input text.
    codes = {c["theme"]: c for c in out[0]["codes"]}
    workforce = codes["Workforce diversity, training and culture"]
    # "trained" and "staff" are weak words in company: possible; "cultural competence" is a strong phrase.
    assert workforce["level"] == "possible" and 0.5 <= workforce["score"] < 0.8
    assert codes["Culturally appropriate and trauma-informed care"]["level"] == "proposed"
    assert [s["text"] for s in workforce["sentences"]] == ["We trained staff in cultural competence."]
    for line, o in zip(lines, out, strict=True):
        assert [c["theme"] for c in o["codes"]] == o["themes"]
        for code in o["codes"]:
            for sentence in code["sentences"]:
                assert set(sentence) == {"start", "end", "text", "score", "level"}
                assert line["text"][sentence["start"] : sentence["end"]] == sentence["text"]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"id": 1, "text": "ok"}\n\n{"id": 2, "text": oops}\n', "line 3: not valid JSON"),
        ('{"id": 1}\n', "line 1: missing 'text'"),
        ('{"id": 1, "text": "ok"}\n{"id": 2, "text": 42}\n', "line 2: 'text' must be a string"),
        ('["text"]\n', "line 1: expected a JSON object"),
    ],
)
def test_tag_bad_input_exits_2_with_line_number(stdin: str, message: str) -> None:
    result = run(["tag"], stdin)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_codebook_exits_2(tmp_path: Path) -> None:
    result = run(["tag", "--codebook", str(tmp_path / "none.json")], '{"text": "x"}\n')
    assert result.returncode == 2
    assert "codebook file not found" in result.stderr


def test_invalid_codebook_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "cb.json"
    path.write_text(json.dumps({"key": "k", "version": 1, "name": "n", "themes": [{"key": "a", "name": ""}]}))
    result = run(["tag", "--codebook", str(path)], '{"text": "x"}\n')
    assert result.returncode == 2
    assert "invalid codebook" in result.stderr and "empty or missing name" in result.stderr


def test_tag_with_custom_codebook(tmp_path: Path) -> None:
    path = tmp_path / "cb.json"
    theme = {"key": "fruit", "name": "Fruit", "phrases": ["apple"], "patterns": [], "exclude": []}
    path.write_text(json.dumps({"key": "k", "version": 2, "name": "n", "themes": [theme]}))
    result = run(["tag", "--codebook", str(path)], '{"id": 7, "text": "Two Apples."}\n')
    assert result.returncode == 0, result.stderr
    sentence = {"start": 0, "end": 11, "text": "Two Apples.", "score": 0.8, "level": "proposed"}
    assert json.loads(result.stdout) == {
        "id": 7,
        "themes": ["Fruit"],
        "codes": [{"theme": "Fruit", "score": 0.8, "level": "proposed", "sentences": [sentence]}],
    }


def _gold(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluate_prints_table_and_json(tmp_path: Path) -> None:
    gold = _gold(
        tmp_path,
        [
            {"id": 1, "text": "Unpaid carers were consulted.", "themes": ["Carers and families"]},
            {"id": 2, "text": "Nothing to report.", "themes": ["COVID-19"]},
        ],
    )
    table = run(["evaluate", "--gold", str(gold)])
    assert table.returncode == 0, table.stderr
    assert "precision" in table.stdout and "support" in table.stdout
    assert "Carers and families" in table.stdout
    assert "micro" in table.stdout and "macro" in table.stdout
    as_json = run(["evaluate", "--gold", str(gold), "--json"])
    data = json.loads(as_json.stdout)
    by_name = {s["name"]: s for s in data["scores"]}
    assert by_name["Carers and families"]["f1"] == 1.0
    assert by_name["COVID-19"]["recall"] == 0.0
    assert data["micro_f1"] == pytest.approx(2 / 3)
    assert data["documents"] == 2


def test_evaluate_unknown_theme_exits_2(tmp_path: Path) -> None:
    gold = _gold(
        tmp_path,
        [{"id": 1, "text": "x", "themes": ["Carers and families"]}, {"text": "y", "themes": ["Nope"]}],
    )
    result = run(["evaluate", "--gold", str(gold)])
    assert result.returncode == 2
    assert "line 2: unknown theme 'Nope'" in result.stderr


def test_evaluate_bad_gold_line_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"text": "x", "themes": []}\n{"text": "y", "themes": "COVID-19"}\n')
    result = run(["evaluate", "--gold", str(path)])
    assert result.returncode == 2
    assert "line 2: 'themes' must be a list" in result.stderr


def test_evaluate_missing_gold_file_exits_2(tmp_path: Path) -> None:
    result = run(["evaluate", "--gold", str(tmp_path / "nope.jsonl")])
    assert result.returncode == 2
    assert "cannot read gold file" in result.stderr


def test_evaluate_joins_labels_with_texts_and_takes_theme_keys(tmp_path: Path) -> None:
    labels = _gold(tmp_path, [{"id": "a", "themes": ["carers_families"]}, {"id": "b", "themes": ["covid19"]}])
    texts = tmp_path / "texts.jsonl"
    texts.write_text(
        json.dumps({"id": "b", "text": "Nothing to report."})
        + "\n"
        + json.dumps({"id": "a", "text": "Unpaid carers met."})
    )
    result = run(["evaluate", "--labels", str(labels), "--texts", str(texts), "--json"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["documents"] == 2 and data["micro_f1"] == pytest.approx(2 / 3)
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"tune": ["a"], "test": ["b"]}))
    part = run(["evaluate", "--labels", str(labels), "--texts", str(texts), "--split", str(split), "--part", "tune"])
    assert part.returncode == 0, part.stderr
    assert "documents: 1" in part.stdout
    texts.write_text(json.dumps({"id": "a", "text": "Unpaid carers met."}) + "\n")
    missing = run(["evaluate", "--labels", str(labels), "--texts", str(texts)])
    assert missing.returncode == 2 and "1 labelled ids have no text" in missing.stderr

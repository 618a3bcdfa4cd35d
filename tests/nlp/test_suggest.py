"""The suggester on its own: features, which themes it may learn, calibrated suggestions, a split by organisation,
safe storage with skops, and the real-set evaluation's output."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
import skops.io as sio

from nlp import suggest, suggest_eval
from nlp.suggest import TooFewExamples

KEYS = ("housing", "food", "sport")
WORDS = {
    "housing": ["tenancy", "landlord", "rent arrears", "homeless shelter", "eviction notice"],
    "food": ["food bank", "hot meals", "grocery vouchers", "breakfast club", "nutrition advice"],
    "sport": ["football league", "swimming lessons", "running club", "boxing gym", "cricket nets"],
}
FILLER = "we worked with partners across the area and reported progress to colleagues every month".split()


def corpus(n: int, seed: int = 1, names: tuple[str, str] = KEYS[:2]) -> tuple[list[str], list[set[str]], list[int]]:
    """Texts mixing filler with the cue words of housing, food or both (labelled `names`); an organisation each."""
    rng = random.Random(seed)
    texts, labels, groups = [], [], []
    for i in range(n):
        themes = set(rng.sample(KEYS[:2], rng.choice([1, 1, 2])))
        words = rng.sample(FILLER, 8) + [rng.choice(WORDS[k]) for k in sorted(themes) for _ in range(2)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append({names[KEYS.index(k)] for k in themes})
        groups.append(i % 10)
    return texts, labels, groups


def test_features_are_content_lemmas_and_neighbouring_pairs():
    assert suggest.features("The boards were commissioning services for children.") == [
        "board",
        "commission",
        "service",
        "child",
        "board commission",
        "commission service",
        "service child",
    ]


def test_only_themes_with_ten_positive_examples_are_learnt():
    labels = [{"housing"}] * 10 + [{"food"}] * 9 + [set()] * 5
    assert suggest.learnable_themes(labels, KEYS) == ["housing"]
    texts, labels, _ = corpus(60)
    model = suggest.train(texts, labels, KEYS)
    assert model.themes == ["housing", "food"]  # sport has no example at all
    with pytest.raises(TooFewExamples, match="no theme has 10"):
        suggest.train(texts[:5], labels[:5], KEYS)


def test_suggestions_carry_calibrated_probabilities_of_the_themes_a_text_is_about():
    texts, labels, _ = corpus(200)
    model = suggest.train(texts, labels, KEYS)
    found = model.probabilities(
        ["the landlord sent an eviction notice about rent arrears", "hot meals and a food bank"]
    )
    assert found[0]["housing"] > 0.8 > 0.2 > found[0]["food"]
    assert found[1]["food"] > 0.8 > 0.2 > found[1]["housing"]
    assert model.suggest(["tenancy and landlord"]) == [{"housing": pytest.approx(found[0]["housing"], abs=0.2)}]
    assert model.probabilities([]) == []


def test_the_held_out_part_is_whole_organisations_and_the_model_is_measured_against_the_rules():
    train_idx, test_idx = suggest.split_by_group(["a", "a", "b", "b", "c", "c", "d", "d"])
    groups = ["a", "a", "b", "b", "c", "c", "d", "d"]
    assert {groups[i] for i in train_idx}.isdisjoint({groups[i] for i in test_idx}) and test_idx
    with pytest.raises(TooFewExamples, match="two organisations"):
        suggest.split_by_group(["a", "a"])
    texts, labels, groups = corpus(200)
    rules = [{"housing"} for _ in texts]  # rules that always say housing
    result = suggest.holdout(texts, labels, rules, groups, KEYS)
    assert result.held_out_groups >= 2 and result.train_answers + result.held_out_answers == 200
    assert result.model.micro_f1 > 0.9 > result.rules.micro_f1
    assert result.combined.micro_recall >= result.model.micro_recall
    assert result.positives["sport"] == 0 and result.suggester.themes == ["housing", "food"]


def test_a_model_round_trips_through_skops_and_a_blob_with_other_types_is_refused():
    texts, labels, _ = corpus(60)
    model = suggest.train(texts, labels, KEYS)
    blob = suggest.dumps(model)
    again = suggest.loads(blob)
    assert again.themes == model.themes
    assert again.probabilities(texts[:3]) == model.probabilities(texts[:3])
    hostile = sio.dumps({"pipeline": Fraction(1, 3), "themes": ["housing"]})
    with pytest.raises(ValueError, match="not trusted: fractions.Fraction"):
        suggest.loads(hostile)


def test_the_real_set_evaluation_trains_on_the_tuning_part_and_prints_its_figures(tmp_path, capsys):
    texts, labels, _ = corpus(80, names=("covid19", "pcref"))  # codebook themes, written in other words
    ids = [f"p{i}" for i in range(80)]
    (tmp_path / "texts.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts, strict=True))
    )
    (tmp_path / "labels.jsonl").write_text(
        "".join(json.dumps({"id": i, "themes": sorted(x)}) + "\n" for i, x in zip(ids, labels, strict=True))
    )
    (tmp_path / "split.json").write_text(json.dumps({"tune": ids[:60], "test": ids[60:]}))
    args = ["--labels", str(tmp_path / "labels.jsonl"), "--split", str(tmp_path / "split.json")]
    assert suggest_eval.main([*args, "--texts", str(tmp_path / "texts.jsonl")]) == 0
    lines = dict(line.split(": ") for line in capsys.readouterr().out.splitlines() if ": " in line)
    for name in ("suggester", "combined"):
        for figure in ("micro_f1", "precision", "recall"):
            assert 0 <= float(lines[f"{name}_real_test_{figure}"]) <= 1
    # The words are none of the codebook's: the suggester learns them, the rules (in the combined figures) do not.
    assert float(lines["suggester_real_test_micro_f1"]) > 0.9
    assert float(lines["combined_real_test_precision"]) <= float(lines["suggester_real_test_precision"])

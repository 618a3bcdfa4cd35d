"""tag_texts results and the pure evaluation functions."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp import Tagged, TaggedSpan, evaluate, tag_texts


def test_tag_texts_offsets_index_the_original_text(pipeline: Language) -> None:
    texts = [
        "  Leading spaces, then unpaid carers\tand CAMHS.\n\nA new paragraph about the ICB and joint working.",
        "Nothing to report.",
        "Ünïcode café: restraint—and seclusion—fell.",
    ]
    results = list(tag_texts(pipeline, texts, batch_size=2, with_mentions=True))
    assert len(results) == 3
    for text, tagged in zip(texts, results, strict=True):
        assert isinstance(tagged, Tagged)
        for span in tagged.spans:
            assert isinstance(span, TaggedSpan)
            assert text[span.start : span.end] == span.text
    assert results[1] == Tagged(themes=(), spans=(), scores={}, levels={})
    assert results[0].themes == ("system_partnerships", "children_young_people", "carers_families")
    assert [s.text for s in results[0].spans if s.theme == "system_partnerships"] == [
        "A new paragraph about the ICB and joint working."
    ]
    assert [m.text for m in results[2].mentions] == ["restraint", "seclusion"]
    assert [s.text for s in results[2].spans] == ["Ünïcode café: restraint—and seclusion—fell."]


def test_tag_texts_keeps_order_for_many_texts(pipeline: Language) -> None:
    texts = ["unpaid carers" if i % 2 else "nothing" for i in range(600)]
    results = list(tag_texts(pipeline, texts, batch_size=64))
    assert [bool(r.themes) for r in results] == [bool(i % 2) for i in range(600)]


def test_evaluate_counts_and_averages() -> None:
    gold = [{"a"}, {"a", "b"}, set(), {"b"}]
    pred = [{"a"}, {"a"}, {"b"}, {"b"}]
    report = evaluate(gold, pred, ["a", "b", "c"])
    a, b, c = report.scores
    assert (a.tp, a.fp, a.fn, a.support) == (2, 0, 0, 2)
    assert (b.tp, b.fp, b.fn, b.support) == (1, 1, 1, 2)
    assert a.f1 == 1.0 and b.precision == 0.5 and b.recall == 0.5
    assert (c.precision, c.recall, c.f1, c.support) == (0.0, 0.0, 0.0, 0)
    assert report.micro_precision == pytest.approx(3 / 4)
    assert report.micro_recall == pytest.approx(3 / 4)
    assert report.micro_f1 == pytest.approx(0.75)
    # c never occurs in gold or predictions, so it is left out of the macro average.
    assert report.macro_f1 == pytest.approx((1.0 + 0.5) / 2)
    assert report.score("b") == b
    assert report.to_dict()["documents"] == 4
    assert "micro" in report.format_table()


def test_evaluate_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="gold has 1"):
        evaluate([set()], [], ["a"])

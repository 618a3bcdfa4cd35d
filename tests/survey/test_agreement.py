"""Agreement figures against a hand computation."""

from __future__ import annotations

import pytest

from survey.services.agreement import agreement

# Ten answers, one theme "t": machine (a) and reviewers (b).
#   both: 4, machine only: 1, reviewers only: 2, neither: 3.
PAIRS = [({"t"}, {"t"})] * 4 + [({"t"}, set())] + [(set(), {"t"})] * 2 + [(set(), set())] * 3


def test_one_theme_matches_the_hand_computation() -> None:
    t = agreement(PAIRS, ["t"]).themes[0]
    assert (t.tp, t.fp, t.fn, t.tn) == (4, 1, 2, 3)
    assert t.precision == pytest.approx(4 / 5)
    assert t.recall == pytest.approx(4 / 6)
    assert t.f1 == pytest.approx(8 / 11)
    assert t.percent_agreement == pytest.approx(7 / 10)
    assert t.prevalence == pytest.approx(6 / 10)
    # p_o = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5
    assert t.kappa == pytest.approx(0.4)


def test_overall_figures_pool_pairs_for_micro_and_average_themes_for_macro() -> None:
    pairs = [({"a", "b"}, {"a"}), ({"b"}, {"b"}), (set(), {"a"})]
    result = agreement(pairs, ["a", "b"])
    a, b = result.themes
    assert (a.tp, a.fp, a.fn, a.tn) == (1, 0, 1, 1)
    assert (b.tp, b.fp, b.fn, b.tn) == (1, 1, 0, 1)
    assert result.micro_precision == pytest.approx(2 / 3)
    assert result.micro_recall == pytest.approx(2 / 3)
    assert result.micro_f1 == pytest.approx(4 / 6)
    assert result.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert result.answers == 3


def test_undefined_figures_are_none_not_zero() -> None:
    t = agreement([(set(), set())] * 3, ["t"]).themes[0]
    assert t.precision is None and t.recall is None and t.f1 is None
    assert t.kappa is None  # both codings constant: chance agreement is 1
    assert t.percent_agreement == 1.0
    assert agreement([], ["t"]).micro_f1 is None

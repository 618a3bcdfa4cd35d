"""Detention rate ratios with Katz log confidence intervals, checked against a hand computation."""

from __future__ import annotations

import math

import pytest

from survey import rates

GROUPS = [("asian", "Asian"), ("black", "Black"), ("mixed", "Mixed"), ("white", "White"), ("other", "Other")]


def test_ratio_and_interval_match_a_hand_computation():
    # Black: 40 of 20,000 (200 per 100,000); White: 60 of 150,000 (40 per 100,000): ratio 5.
    # SE(ln RR) = sqrt(1/40 - 1/20000 + 1/60 - 1/150000) = sqrt(0.0416100) = 0.203985
    # 95% CI = exp(ln 5 ± 1.959964 × 0.203985) = exp(1.609438 ± 0.399803) = e^1.209635 to e^2.009241
    #        = 3.3523 to 7.4577
    table = rates.rate_ratios(
        {"black": {"detentions": 40, "population": 20000}, "white": {"detentions": 60, "population": 150000}},
        GROUPS,
    )
    black = next(r for r in table.rows if r.group == "black")
    assert black.rate == pytest.approx(200)
    assert table.reference_rate == pytest.approx(40)
    assert black.ratio == pytest.approx(5)
    assert black.low == pytest.approx(3.3523, abs=1e-4)
    assert black.high == pytest.approx(7.4577, abs=1e-4)
    assert black.withheld is None
    assert [r.group for r in table.rows] == ["asian", "black", "mixed", "other"]  # the reference is not a row
    assert table.shown


def test_the_formula_itself():
    ratio, low, high = rates.katz_interval(10, 1000, 20, 4000)
    se = math.sqrt(1 / 10 - 1 / 1000 + 1 / 20 - 1 / 4000)
    assert ratio == pytest.approx(2.0)
    assert low == pytest.approx(2.0 * math.exp(-1.959964 * se), rel=1e-6)
    assert high == pytest.approx(2.0 * math.exp(1.959964 * se), rel=1e-6)
    assert low < ratio < high


@pytest.mark.parametrize("count", [0, 1, 4])
def test_small_and_zero_counts_are_withheld(count):
    table = rates.rate_ratios(
        {"asian": {"detentions": count, "population": 5000}, "white": {"detentions": 60, "population": 150000}},
        GROUPS,
    )
    asian = table.rows[0]
    assert asian.rate is None and asian.ratio is None and asian.low is None
    assert asian.withheld == "Fewer than 5 detentions"
    assert not table.shown


def test_five_is_shown():
    table = rates.rate_ratios(
        {"asian": {"detentions": 5, "population": 5000}, "white": {"detentions": 5, "population": 5000}}, GROUPS
    )
    assert table.rows[0].ratio == pytest.approx(1.0)


def test_a_small_reference_count_withholds_every_ratio_but_not_the_rates():
    table = rates.rate_ratios(
        {"black": {"detentions": 40, "population": 20000}, "white": {"detentions": 3, "population": 150000}},
        GROUPS,
    )
    black = next(r for r in table.rows if r.group == "black")
    assert black.rate == pytest.approx(200) and black.ratio is None
    assert black.withheld == "White group: fewer than 5 detentions"
    assert table.reference_withheld == "Fewer than 5 detentions"


def test_missing_rows_and_no_population():
    table = rates.rate_ratios({"white": {"detentions": 60, "population": 0}}, GROUPS)
    assert table.reference_withheld == "No population given"
    assert all(r.withheld == "Not given" for r in table.rows)
    assert rates.rate_ratios(None, GROUPS).rows[0].withheld == "Not given"


def test_katz_refuses_zero():
    with pytest.raises(ValueError):
        rates.katz_interval(0, 100, 5, 100)


def test_rules_are_stated():
    assert "fewer than 5" in rates.SMALL_COUNT_RULE
    assert "0" in rates.ZERO_COUNT_RULE

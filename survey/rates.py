"""Detention rate ratios by ethnic group, compared with a reference group (no Flask: the synthesis reuses it).

For a group with ``a`` detentions in a population of ``n1``, and the reference group (White) with ``c``
detentions in ``n0``:

- rate = a / n1 (shown per 100,000 people);
- rate ratio RR = (a / n1) / (c / n0);
- 95% confidence interval by the Katz log method:
  SE(ln RR) = sqrt(1/a − 1/n1 + 1/c − 1/n0), and the interval is exp(ln RR ± 1.96 × SE(ln RR)).

Rules, stated on the page with the numbers:

- **Small counts**: a group (or the reference group) with fewer than ``MIN_COUNT`` (5) detentions is not shown,
  so that few people cannot be identified and a ratio built on a handful of events is not over-read.
- **Zero counts**: a count of 0 is one of those small counts. The Katz interval needs 1/a and 1/c, which are not
  defined at 0, and no zero-cell correction (adding 0.5) is applied: the ratio is simply not shown.
- A group with no population, or a missing count, has no rate and no ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_COUNT = 5
Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
PER = 100_000

SMALL_COUNT_RULE = (
    f"Groups with fewer than {MIN_COUNT} detentions are not shown, so that few people cannot be identified and "
    "ratios built on very few detentions are not over-read."
)
ZERO_COUNT_RULE = (
    "A count of 0 is one of those: no ratio or interval is worked out from it (the confidence interval "
    "needs at least one detention in both groups, and no correction is added)."
)


@dataclass(frozen=True)
class RateRatio:
    """One group's detention rate and its ratio to the reference group's, with a 95% confidence interval."""

    group: str
    label: str
    count: int | None
    population: int | None
    rate: float | None  # per PER people
    ratio: float | None
    low: float | None
    high: float | None
    withheld: str | None  # why the rate or ratio is not shown, or None


@dataclass(frozen=True)
class RateTable:
    """Each group's rate ratio, in table order, and the reference group's rate."""

    reference: str
    reference_label: str
    reference_rate: float | None
    reference_withheld: str | None
    rows: tuple[RateRatio, ...]

    @property
    def shown(self) -> bool:
        """Whether any ratio can be shown."""
        return any(r.ratio is not None for r in self.rows)


def katz_interval(a: int, n1: int, c: int, n0: int, z: float = Z_95) -> tuple[float, float, float]:
    """The rate ratio (a/n1)/(c/n0) and its Katz log confidence interval; every count must be above 0."""
    if min(a, n1, c, n0) <= 0:
        raise ValueError("The Katz interval needs counts and populations above 0")
    ratio = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return ratio, math.exp(math.log(ratio) - z * se), math.exp(math.log(ratio) + z * se)


def _rate(count: int | None, population: int | None) -> tuple[float | None, str | None]:
    if count is None or population is None:
        return None, "Not given"
    if population <= 0:
        return None, "No population given"
    if count < MIN_COUNT:
        return None, f"Fewer than {MIN_COUNT} detentions"
    return count / population * PER, None


def rate_ratios(
    table: Mapping[str, Mapping[str, int | None]] | None,
    groups: Sequence[tuple[str, str]],
    *,
    reference: str = "white",
    count: str = "detentions",
    denominator: str = "population",
) -> RateTable:
    """Each group's detention rate and rate ratio to the reference group, from a number table's values."""
    table = table or {}
    labels = dict(groups)

    def cells(group: str) -> tuple[int | None, int | None]:
        row = table.get(group) or {}
        return row.get(count), row.get(denominator)

    c, n0 = cells(reference)
    reference_rate, reference_withheld = _rate(c, n0)
    rows = []
    for group, label in groups:
        if group == reference:
            continue
        a, n1 = cells(group)
        rate, withheld = _rate(a, n1)
        ratio = low = high = None
        if withheld is None and reference_withheld is None:
            assert a is not None and n1 is not None and c is not None and n0 is not None
            ratio, low, high = katz_interval(a, n1, c, n0)
        elif withheld is None:
            withheld = f"{labels.get(reference, reference)} group: {reference_withheld.lower()}"  # type: ignore[union-attr]
        rows.append(RateRatio(group, label, a, n1, rate, ratio, low, high, withheld))
    return RateTable(reference, labels.get(reference, reference), reference_rate, reference_withheld, tuple(rows))

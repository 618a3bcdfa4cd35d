"""The synthesis's figures as CSV: every number the PDF and the HTML twin show, one row each."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from survey.reports.data import SynthesisData

HEADER = ("section", "item", "figure", "value")


def _rows(data: SynthesisData) -> Iterator[tuple[object, ...]]:
    yield ("response", "signatories expected", "organisations", data.expected)
    yield ("response", "signatories reported", "organisations", data.reported)
    yield ("response", "reported in both rounds", "organisations", data.reported_both)
    for p in data.progress:
        for (_, label), n in zip(data.ratings, p.counts, strict=True):
            yield (f"progress commitment {p.commitment}", label, "organisations", n)
        yield (f"progress commitment {p.commitment}", "Not rated", "organisations", p.not_rated)
    for f in (*data.commitments, *data.across):
        for t in f.themes:
            yield (
                f.title if f.commitment is None else f"commitment {f.commitment}",
                t.name,
                "organisations",
                t.organisations,
            )
            if t.unreviewed:
                yield (f.key, t.name, "organisations counted only through unreviewed codes", t.unreviewed)
            if t.change is not None:
                yield (f.key, t.name, "in both rounds: previous round", t.both_before)
                yield (f.key, t.name, "in both rounds: this round", t.both_now)
    for m in data.measures:
        yield ("commitment 2 measures", m.label, "organisations", m.organisations)
    for r in data.rates.pooled.rows:
        yield ("rate ratios (pooled)", r.label, "rate ratio", "" if r.ratio is None else f"{r.ratio:.4f}")
        yield ("rate ratios (pooled)", r.label, "95% CI low", "" if r.low is None else f"{r.low:.4f}")
        yield ("rate ratios (pooled)", r.label, "95% CI high", "" if r.high is None else f"{r.high:.4f}")
        if r.withheld:
            yield ("rate ratios (pooled)", r.label, "withheld", r.withheld)


def _cell(value: object) -> object:
    """A spreadsheet never reads text as a formula (CSV injection): a leading = + - @ gets a quote mark."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def figures_csv(data: SynthesisData, out: TextIO) -> None:
    """Write the synthesis's figures as CSV to `out`."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows(data):
        writer.writerow([_cell(v) for v in row])

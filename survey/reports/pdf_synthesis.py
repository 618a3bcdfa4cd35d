"""The thematic synthesis as a PDF: a pure function of `SynthesisData`, writing to a file object."""

from __future__ import annotations

from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer

from survey.rates import SMALL_COUNT_RULE, ZERO_COUNT_RULE, RateTable
from survey.reports import bidi, fonts, layout
from survey.reports.data import Findings, SynthesisData, ThemeCount
from survey.reports.layout import Heading, UnreviewedMark

WIDTH = layout.A4[0] - 2 * layout.MARGIN
RATING_COLOURS = ["#d8dde0", "#aeb7bd", "#ffb81c", "#41b6e6", "#005eb8"]
TOP_THEMES = 5


def change_text(theme: ThemeCount) -> str:
    """ "+3", "−2", "no change", or "—" without a previous round."""
    change = theme.change
    if change is None:
        return "—"
    return "no change" if change == 0 else f"{change:+d}".replace("-", "−")


def percent(value: float | None) -> str:
    """A share as a whole percentage, or "—"."""
    return "—" if value is None else f"{value * 100:.0f}%"


def decimal(value: float | None, places: int = 2) -> str:
    """A number to `places` decimals, or "—"."""
    return "—" if value is None else f"{value:.{places}f}"


def _p(text: str, st: dict[str, Any], style: str = "body") -> Paragraph:
    return bidi.paragraph(text, st[style])


class _Story:
    """The synthesis, section by section."""

    def __init__(self, data: SynthesisData) -> None:
        self.data = data
        self.st = layout.styles()
        self.flow: list[Flowable] = []

    def add(self, *items: Flowable) -> None:
        self.flow.extend(items)

    def heading(self, text: str, level: int = 0) -> None:
        style = self.st["h1" if level == 0 else "h2"]
        if level == 0:
            self.add(CondPageBreak(60 * mm))
        self.add(Heading(fonts.safe(text), style, level))

    def para(self, text: str, style: str = "body") -> None:
        self.add(_p(text, self.st, style), Spacer(0, 4))

    def cover(self) -> None:
        d = self.data
        state = "Draft — not for publication" if d.draft else "Published synthesis"
        self.add(
            Spacer(0, 50 * mm),
            _p(d.pledge, self.st, "subtitle"),
            Spacer(0, 8),
            _p("Thematic synthesis of progress reports", self.st, "title"),
            Spacer(0, 10),
            _p(d.round_name, self.st, "subtitle"),
            Spacer(0, 30 * mm),
            _p(d.response_rate.capitalize(), self.st, "subtitle"),
            Spacer(0, 6),
            _p(f"{state}. Built {d.built_at[:10]} (UTC).", self.st),
            PageBreak(),
            Paragraph("Contents", self.st["h1"]),
            layout.contents(self.st),
            PageBreak(),
        )

    def summary(self) -> None:
        d = self.data
        self.heading("Executive summary")
        previous = f" {d.reported_both} of them also reported in {d.previous_round}." if d.previous_round else ""
        self.para(
            f"Representing {d.reported} of the {d.expected} signatories, this synthesis draws together the "
            f"progress reports of {d.round_name}.{previous}"
        )
        if d.draft:
            self.para(
                "This is a draft. Figures marked * include machine codes that no reviewer has checked yet; the "
                "published synthesis counts reviewed codes only."
            )
        self.add(Heading("Most raised themes", self.st["h2"], 1))
        top = d.overall[:TOP_THEMES]
        if top:
            rows = [["Theme", "Organisations raising it"]] + [
                [self.marked(t.name, t.unreviewed), f"{t.organisations} of {d.reported}"] for t in top
            ]
            self.add(layout.table(rows, [WIDTH * 0.6, WIDTH * 0.4], self.st))
            self.mark_if(any(t.unreviewed for t in top))
        else:
            self.para("No themes have been coded yet" + ("." if d.draft else " and reviewed."))
        self.add(Heading("Main changes since the previous round", self.st["h2"], 1))
        if not d.previous_round:
            self.para("This is the first round with reports to compare: there are no changes to show.")
        elif not d.changes:
            self.para(f"Among the {d.reported_both} organisations that reported in both rounds, no theme changed.")
        else:
            self.para(
                f"Counted only over the {d.reported_both} organisations that reported in both {d.previous_round} and "
                f"{d.round_name}, so that a change is not an artefact of who reported."
            )
            rows = [["Theme", d.previous_round, d.round_name, "Change"]] + [
                [t.name, str(t.both_before), str(t.both_now), change_text(t)] for t in d.changes
            ]
            self.add(layout.table(rows, [WIDTH * 0.46, WIDTH * 0.18, WIDTH * 0.18, WIDTH * 0.18], self.st))

    def marked(self, text: str, unreviewed: int) -> str:
        return f"{text} *" if unreviewed else text

    def mark_if(self, condition: bool) -> None:
        if condition:
            self.add(UnreviewedMark())

    def progress(self) -> None:
        d = self.data
        self.heading("Self-assessed progress")
        self.para(
            "How each reporting organisation rated its own progress on each commitment. These are self-assessments, "
            "not independent judgements. The numbers behind the chart follow it."
        )
        if d.progress and d.ratings:
            self.add(progress_chart(d), Spacer(0, 6))
            head = ["Commitment", *[label for _, label in d.ratings], "Not rated"]
            rows = [head] + [[str(p.commitment), *map(str, p.counts), str(p.not_rated)] for p in d.progress]
            first = WIDTH * 0.16
            self.add(layout.table(rows, [first] + [(WIDTH - first) / (len(head) - 1)] * (len(head) - 1), self.st))

    def findings(self, f: Findings, level: int) -> None:
        d = self.data
        self.heading(f"Commitment {f.commitment}: {f.title}" if f.commitment else f.title, level)
        if f.commitment:
            self.para(f.title if level else "")
        if not f.themes:
            self.para("No themes were coded in these answers" + ("." if d.draft else " and reviewed."))
            return
        both = (
            f" Change: among the {d.reported_both} organisations that reported in both rounds."
            if d.previous_round
            else ""
        )
        self.para(
            f"Themes raised, and how many of the {d.reported} reporting organisations raised each.{both}", "small"
        )
        head = ["Theme", "Organisations", "Change since previous round"]
        rows = [head] + [[self.marked(t.name, t.unreviewed), str(t.organisations), change_text(t)] for t in f.themes]
        self.add(layout.table(rows, [WIDTH * 0.5, WIDTH * 0.2, WIDTH * 0.3], self.st))
        self.mark_if(any(t.unreviewed for t in f.themes))
        if f.quotes:
            self.add(Paragraph("In their words", self.st["h3"]))
            names = {t.key: t.name for t in f.themes}
            for q in f.quotes:
                mark = " * unreviewed code" if q.unreviewed else ""
                theme = names.get(q.theme_key, q.theme_key)
                cite = _p(f"— {q.source[:1].upper()}{q.source[1:]} ({theme}){mark}", self.st, "cite")
                self.add(layout.quote(_p(f"“{q.text}”", self.st, "quote"), cite), Spacer(0, 6))
                self.mark_if(q.unreviewed)

    def commitments(self) -> None:
        for f in self.data.commitments:
            self.findings(f, 0)
            if f.commitment == 2:
                self.measures()

    def across(self) -> None:
        self.heading("Challenges and support wanted")
        self.para(
            "Across every commitment: the challenges and barriers organisations named, and the support they asked for."
        )
        for f in self.data.across:
            self.findings(f, 1)

    def measures(self) -> None:
        d = self.data
        self.add(Heading("What organisations monitor by ethnicity", self.st["h2"], 1))
        if d.measures:
            self.para(
                f"{d.measures_answered} of {d.reported} reporting organisations answered. "
                "Organisations are named where they allowed it.",
                "small",
            )
            rows = [["Measure", "Organisations"]] + [[m.label, str(m.organisations)] for m in d.measures]
            self.add(layout.table(rows, [WIDTH * 0.7, WIDTH * 0.3], self.st))
        if d.monitoring:
            self.add(Paragraph("Which organisations monitor what", self.st["h3"]))
            rows = [["Organisation", "Monitors by ethnicity"]] + [
                [m.organisation, "; ".join(m.measures)] for m in d.monitoring
            ]
            self.add(layout.table(rows, [WIDTH * 0.35, WIDTH * 0.65], self.st))
        self.add(Heading("Detention rate ratios", self.st["h2"], 1))
        r = d.rates
        self.para(
            "Each group's Mental Health Act detention rate divided by the White group's, with 95% confidence "
            f"intervals by the log (Katz) method. Pooled over the {r.contributing} organisations that "
            "gave complete figures."
        )
        self.add(rates_table(r.pooled, self.st))
        self.para(f"{SMALL_COUNT_RULE} {ZERO_COUNT_RULE}", "small")
        if r.by_organisation:
            self.add(Paragraph("By organisation", self.st["h3"]))
            self.para(
                "Rate ratio (95% CI) against each organisation's own White group, where it allowed naming.", "small"
            )
            self.add(organisation_rates(r.by_organisation, self.st))

    def organisations(self) -> None:
        d = self.data
        self.heading("Who reported")
        self.para(
            f"{d.response_rate}. Non-response matters: organisations that did not report may differ from those that "
            "did (for example, have less to report), so the themes and ratings here describe the reporting "
            "organisations only and may overstate progress across all signatories."
        )
        rows = [["Organisation", "Type", "Region", "Reported"]] + [
            [o.name, o.kind_label, o.region, "Yes" if o.reported else "No"] for o in d.organisations
        ]
        self.add(layout.table(rows, [WIDTH * 0.45, WIDTH * 0.25, WIDTH * 0.18, WIDTH * 0.12], self.st))

    def method(self) -> None:
        d, m = self.data, self.data.method
        self.heading("Method")
        self.para(
            f"Free-text answers were coded against the codebook “{m.codebook_name}” (version {m.codebook_version}). "
            f"A rule-based tagger proposed {m.machine_codes} codes on {m.answers_coded} answers, each with the "
            f"sentences that carry the theme; reviewers then checked them: {m.codes_accepted} accepted, "
            f"{m.codes_rejected} rejected and {m.codes_added} added, with {m.answers_reviewed} answers "
            "marked fully reviewed."
        )
        self.para(
            "A published synthesis counts only codes a reviewer accepted or added; a theme the tagger found only weak "
            "evidence for never counts until a reviewer accepts it. Organisations are counted once per theme however "
            "often they raise it. Quotes come only from organisations that agreed to publication, named where they "
            "allowed it and otherwise described by type and region (widened when that would identify them)."
            + (" This draft also counts unreviewed machine codes, marked *." if d.draft else "")
        )
        self.add(Heading("Agreement between machine and reviewed codes", self.st["h2"], 1))
        self.para(
            f"Over the {m.answers_reviewed} reviewed answers: precision {percent(m.micro_precision)}, recall "
            f"{percent(m.micro_recall)}, F1 {percent(m.micro_f1)} (macro F1 {percent(m.macro_f1)})."
        )
        if m.agreement:
            rows = [["Theme", "Reviewed answers with it", "Precision", "Recall", "Cohen's kappa"]] + [
                [a.name, str(a.reviewed_with_theme), percent(a.precision), percent(a.recall), decimal(a.kappa)]
                for a in m.agreement
            ]
            self.add(
                layout.table(rows, [WIDTH * 0.36, WIDTH * 0.19, WIDTH * 0.15, WIDTH * 0.15, WIDTH * 0.15], self.st)
            )
        self.add(Heading("The codebook", self.st["h2"], 1))
        rows = [["Theme", "Description"]] + [[t.name, t.description] for t in m.themes]
        self.add(layout.table(rows, [WIDTH * 0.3, WIDTH * 0.7], self.st))


def rates_table(table: RateTable, st: dict[str, Any]) -> Flowable:
    """Rate per 100,000, ratio and interval for each group against the reference group."""
    ref = "—" if table.reference_rate is None else f"{table.reference_rate:.1f}"
    rows = [["Group", "Detentions", "Population", "Rate per 100,000", "Rate ratio (95% CI)"]]
    rows.append(
        [
            table.reference_label + " (reference)",
            "",
            "",
            ref if not table.reference_withheld else table.reference_withheld,
            "1",
        ]
    )
    for r in table.rows:
        ratio = r.withheld or f"{r.ratio:.2f} ({r.low:.2f} to {r.high:.2f})"
        rows.append(
            [
                r.label,
                "" if r.count is None else f"{r.count:,}",
                "" if r.population is None else f"{r.population:,}",
                "—" if r.rate is None else f"{r.rate:.1f}",
                ratio,
            ]
        )
    return layout.table(rows, [WIDTH * 0.27, WIDTH * 0.15, WIDTH * 0.15, WIDTH * 0.15, WIDTH * 0.28], st)


def organisation_rates(rows: tuple[tuple[str, RateTable], ...], st: dict[str, Any]) -> Flowable:
    """One row per organisation: each group's rate ratio and interval, or why it is withheld."""
    groups = [r.label for r in rows[0][1].rows]
    body = [
        [label, *[r.withheld or f"{r.ratio:.2f} ({r.low:.2f}–{r.high:.2f})" for r in table.rows]]
        for label, table in rows
    ]
    first = WIDTH * 0.28
    return layout.table([["Organisation", *groups], *body], [first] + [(WIDTH - first) / len(groups)] * len(groups), st)


def progress_chart(d: SynthesisData) -> Drawing:
    """A stacked horizontal bar per commitment: how many organisations gave each rating."""
    family = fonts.register()
    height = 24 + 22 * len(d.progress) + 40
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 90, 46
    chart.width, chart.height = WIDTH - 110, 22 * len(d.progress)
    chart.data = [[p.counts[i] for p in reversed(d.progress)] for i in range(len(d.ratings))]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [f"Commitment {p.commitment}" for p in reversed(d.progress)]
    chart.categoryAxis.labels.fontName = family
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(d.reported, 1)
    chart.valueAxis.labels.fontName = family
    chart.valueAxis.labels.fontSize = 8
    chart.barWidth = 14
    for i, colour in enumerate(RATING_COLOURS[: len(d.ratings)]):
        chart.bars[i].fillColor = colors.HexColor(colour)
        chart.bars[i].strokeColor = colors.white
    drawing.add(chart)
    # Each segment's count written in its middle (ReportLab's bar labels sit at the ends of stacked segments).
    step, scale = chart.height / len(d.progress), chart.width / chart.valueAxis.valueMax
    for row, p in enumerate(reversed(d.progress)):
        left = 0
        for i, n in enumerate(p.counts):
            if n:
                dark = i == len(p.counts) - 1
                x, y = chart.x + scale * (left + n / 2), chart.y + step * (row + 0.5) - 2.5
                label = String(x, y, str(n), fontName=family, fontSize=7.5, textAnchor="middle")
                label.fillColor = colors.white if dark else layout.NHS_DARK
                drawing.add(label)
            left += n
    legend = Legend()
    legend.x, legend.y = 90, 14
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = family
    legend.fontSize = 8
    legend.dx = legend.dy = 8
    legend.deltax = 86
    legend.colorNamePairs = [
        (colors.HexColor(c), label) for c, (_, label) in zip(RATING_COLOURS, d.ratings, strict=False)
    ]
    drawing.add(legend)
    return drawing


def build_synthesis(data: SynthesisData, out: BinaryIO) -> None:
    """Write the synthesis PDF for this data to `out`."""
    story = _Story(data)
    story.cover()
    story.summary()
    story.progress()
    story.commitments()
    story.across()
    story.organisations()
    story.method()
    state = "Draft synthesis" if data.draft else "Thematic synthesis"
    meta = layout.Meta(
        title=f"{state}: {data.round_name}",
        author="The pledge team",
        subject=f"{data.pledge} — progress reports of {data.round_name}, {data.response_rate}",
        draft=data.draft,
        footer=f"{data.pledge} · {state}, {data.round_name}",
    )
    layout.write(out, meta, story.flow)

"""An organisation's report, or the blank questionnaire, as a PDF laid out like the questionnaire: a pure function
of `organisation.Document`, writing to a file object."""

from __future__ import annotations

from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from survey.reports import bidi, fonts, layout
from survey.reports.layout import Heading
from survey.reports.organisation import Document, Item

WIDTH = layout.A4[0] - 2 * layout.MARGIN
LINES_PER_WORDS = 60  # a ruled line of drafting space for every 60 words a free-text answer may hold


def _answer_box(lines: int) -> Table:
    """Ruled space to write an answer by hand."""
    t = Table([[""] for _ in range(lines)], colWidths=[WIDTH], rowHeights=[7 * mm] * lines)
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, layout.NHS_GREY)]))
    return t


def _item(it: Item, st: dict, blank: bool) -> list[Flowable]:
    flow: list[Flowable] = [bidi.paragraph(it.label, st["h3"])]
    if it.hint:
        flow.append(bidi.paragraph(it.hint, st["small"]))
    if it.limit and blank:
        flow.append(bidi.paragraph(it.limit, st["small"]))
    if it.kind == "table":
        widths = [WIDTH * 0.46] + [WIDTH * 0.54 / (len(it.table[0]) - 1)] * (len(it.table[0]) - 1)
        flow.append(layout.table([list(r) for r in it.table], widths, st))
    elif it.kind == "choices":
        flow.extend(bidi.paragraph(f"☐  {o}", st["body"]) for o in it.options)
    elif blank:
        words = int(it.limit.split()[2]) if it.limit else 60
        flow.append(_answer_box(min(max(words // LINES_PER_WORDS, 2), 12)))
    else:
        for line in it.text.split("\n\n"):
            flow.append(bidi.paragraph(line, st["body"]))
    flow.append(Spacer(0, 6))
    return flow


def build_document(doc: Document, out: BinaryIO) -> None:
    """Write the report (or blank questionnaire) PDF to `out`."""
    st = layout.styles()
    heading = "Blank questionnaire" if doc.blank else doc.organisation
    story: list[Flowable] = [
        bidi.paragraph(doc.pledge, st["small"]),
        bidi.paragraph(doc.title, st["title"]),
        bidi.paragraph(f"{doc.round_name} — {heading}", st["subtitle"]),
    ]
    if doc.blank:
        story.append(
            Paragraph(
                fonts.safe(
                    "Use this copy to draft your answers and agree them with colleagues; then enter them in the online "
                    "form with your invitation link. Only the online form is a submitted report."
                ),
                st["body"],
            )
        )
    else:
        story.append(bidi.paragraph(f"Reference {doc.reference}. {doc.submitted}.", st["body"]))
    story.append(Spacer(0, 8))
    for part in doc.parts:
        if not part.items:
            continue
        items = [_item(it, st, doc.blank) for it in part.items]
        intro = [bidi.paragraph(part.intro, st["body"])] if part.intro else []
        story.append(KeepTogether([Heading(fonts.safe(part.title), st["h1"], 0, toc=False), *intro, *items[0]]))
        for flow in items[1:]:
            story.append(KeepTogether(flow))
    title = f"{doc.title}: {heading}, {doc.round_name}"
    meta = layout.Meta(title=title, author=doc.organisation or "The pledge team", subject=doc.pledge, footer=title)
    layout.write(out, meta, story)

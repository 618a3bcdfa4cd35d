"""The house layout of every PDF: A4, DejaVu Sans, NHS blue headings, page numbers, an outline that matches the
headings, document metadata, and for drafts a watermark and a note on each page showing unreviewed codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from survey.reports import bidi, fonts

NHS_BLUE = colors.HexColor("#005eb8")
NHS_DARK = colors.HexColor("#212b32")
NHS_GREY = colors.HexColor("#4c6272")
NHS_PALE = colors.HexColor("#e8edee")
MARGIN = 20 * mm
PAD = 6  # a table cell's left and right padding, in points
PAD_Y = 3  # its top and bottom padding


@dataclass(frozen=True)
class Meta:
    """A document's metadata."""

    title: str
    author: str
    subject: str
    language: str = "en-GB"
    draft: bool = False
    footer: str = ""


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles, in the embedded family."""
    family = fonts.register()
    base = ParagraphStyle("body", fontName=family, fontSize=10, leading=14, textColor=NHS_DARK, alignment=TA_LEFT)
    # What the three heading levels share; a heading never ends a page: it goes over with what it heads.
    heading = ParagraphStyle("heading", parent=base, fontName=f"{family}-Bold", keepWithNext=1)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontSize=8.5, leading=10.5, fontName=f"{family}-Bold"),
        # User text is set in the regular and bold faces only: DejaVu Sans Oblique has no Arabic, for one.
        "quote": ParagraphStyle("quote", parent=base, fontSize=10.5, leading=15),
        "cite": ParagraphStyle("cite", parent=base, fontSize=8.5, textColor=NHS_GREY),
        "title": ParagraphStyle(
            "title", parent=base, fontName=f"{family}-Bold", fontSize=26, leading=32, textColor=NHS_BLUE
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=20, textColor=NHS_DARK),
        "h1": ParagraphStyle(
            "h1", parent=heading, fontSize=18, leading=23, textColor=NHS_BLUE, spaceBefore=4, spaceAfter=8
        ),
        "h2": ParagraphStyle("h2", parent=heading, fontSize=13, leading=17, spaceBefore=10, spaceAfter=5),
        "h3": ParagraphStyle("h3", parent=heading, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=11, leading=16),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9.5, leading=13, leftIndent=14),
    }


class SketchCanvas(Canvas):
    """The canvas of a first pass, which only finds the page each heading lands on for the contents page: the
    layout is the same, but tables are not drawn (drawing their cells twice was a third of a large synthesis)."""

    sketch = True


class SketchTable(Table):
    """A table that is laid out on every pass but drawn only on a real canvas."""

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        if not getattr(canvas, "sketch", False):
            super().drawOn(canvas, x, y, _sW)


class Heading(Paragraph):
    """A heading paragraph that enters the outline and the contents at its level."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, *, toc: bool = True) -> None:
        super().__init__(text, style)
        self.level = level
        self.toc = toc


class UnreviewedMark(Flowable):
    """Zero-size: tells the page it lands on to carry the note about unreviewed codes."""

    def wrap(self, *_: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._pledge_unreviewed = True  # type: ignore[attr-defined]


class Document(BaseDocTemplate):
    """A4 pages with the house header and footer, outline entries for headings, metadata set."""

    def __init__(self, out: BinaryIO, meta: Meta) -> None:
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            creator="Pledge progress reporting",
            lang=meta.language,
            initialFontName=fonts.register(),
        )
        self.meta = meta
        self.total_pages: int | None = None  # known from the second pass on: "Page N of M"
        self._headings = 0
        self._sketched = False
        frame = Frame(MARGIN, MARGIN, A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN, id="body")
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._page, onPageEnd=self._page_end)])

    def _page(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        family = fonts.register()
        if self.meta.draft:
            canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.12))
            canvas.setFont(f"{family}-Bold", 110)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(50)
            canvas.drawCentredString(0, -40, "DRAFT")
        canvas.restoreState()
        canvas._pledge_unreviewed = False

    def _page_end(self, canvas: Any, doc: Any) -> None:
        family = fonts.register()
        canvas.saveState()
        canvas.setFont(family, 8)
        canvas.setFillColor(NHS_GREY)
        canvas.drawString(MARGIN, 10 * mm, fonts.printable(self.meta.footer or self.meta.title)[:110])
        of = f" of {self.total_pages}" if self.total_pages else ""
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}{of}")
        if self.meta.draft:
            canvas.setFillColor(colors.HexColor("#d5281b"))
            canvas.setFont(f"{family}-Bold", 8)
            canvas.drawString(MARGIN, A4[1] - 12 * mm, "DRAFT — not for publication")
            if getattr(canvas, "_pledge_unreviewed", False):
                canvas.drawRightString(A4[0] - MARGIN, A4[1] - 12 * mm, "* This page includes unreviewed machine codes")
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        """Headings enter the outline (bookmarks) and the contents page."""
        if isinstance(flowable, Heading):
            self._headings += 1
            key = f"h{self._headings}"
            text = flowable.getPlainText()
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=flowable.level, closed=flowable.level > 0)
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, text, self.page, key))

    def build(self, flowables: list[Flowable], filename: Any = None, canvasmaker: Any = Canvas) -> None:
        """The first of several passes (the contents' page numbers) sketches; the others draw."""
        if getattr(self, "_indexingFlowables", None) and not self._sketched:
            self._sketched = True
            canvasmaker = SketchCanvas
        super().build(flowables, filename, canvasmaker)

    def handle_documentBegin(self) -> None:
        self._headings = 0
        super().handle_documentBegin()


def quote(paragraph: Paragraph, cite: Paragraph) -> Table:
    """A quote set off by a bar on its left, its source under it."""
    t = SketchTable([[paragraph], [cite]], colWidths=[A4[0] - 2 * MARGIN - 12], hAlign="RIGHT")
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.register()),
                ("LINEBEFORE", (0, 0), (0, -1), 3, NHS_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return t


def contents(st: dict[str, ParagraphStyle]) -> TableOfContents:
    """The contents page's table, filled by the headings on the second pass."""
    toc = TableOfContents()
    toc.levelStyles = [st["toc1"], st["toc2"]]
    toc.dotsMinLevel = 0
    # A Table sets its cells' font even when they hold Paragraphs: name ours, or Helvetica (not embedded) creeps in.
    toc.tableStyle = TableStyle([("FONT", (0, 0), (-1, -1), fonts.register()), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    return toc


def table(rows: list[list[Any]], widths: list[float], st: dict[str, ParagraphStyle]) -> Table:
    """A table whose header row repeats on every page it splits across; cells given as text are escaped.

    A body cell whose text fits on one line is drawn as a plain string: a Paragraph per cell (wrapped twice, as
    the contents page needs two passes) was most of the time a synthesis of 3,000 organisations took."""
    family = fonts.register()
    cell = st["cell"]

    def fit(text: str, width: float) -> Any:
        plain = fonts.printable(text)
        if (
            "\n" not in plain
            and not bidi.has_rtl(plain)
            and pdfmetrics.stringWidth(plain, family, cell.fontSize) <= width - 2 * PAD
        ):
            return plain
        return bidi.paragraph(text, cell)

    head = [c if not isinstance(c, str) else bidi.paragraph(c, st["cell_head"]) for c in rows[0]]
    body = [[fit(c, w) if isinstance(c, str) else c for c, w in zip(row, widths, strict=True)] for row in rows[1:]]
    cells = [head, *body]
    # Row heights worked out here, once: left to ReportLab they are recomputed at every page a table splits over,
    # by a search that is quadratic in the rows (the "who reported" table of 3,000 organisations took seconds).
    heights = [max(_height(c, w, cell.leading) for c, w in zip(row, widths, strict=True)) + 2 * PAD_Y for row in cells]
    t = SketchTable(cells, colWidths=widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), family, cell.fontSize, cell.leading),
                ("TEXTCOLOR", (0, 0), (-1, -1), NHS_DARK),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("LINEBELOW", (0, 0), (-1, 0), 1, NHS_DARK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d8dde0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
                ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
            ]
        )
    )
    return t


def _height(cell: Any, width: float, leading: float) -> float:
    """The height a cell's content needs at this column width."""
    if isinstance(cell, str):
        return leading
    return cell.wrap(width - 2 * PAD, 10_000)[1]


class PageCount(Flowable):
    """Takes no room and draws nothing: as an indexing flowable it keeps the build going until a pass printed the
    page total it ended with, so every footer reads "Page N of M" (the first pass only sketches)."""

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.used: int | None = None

    def isIndexing(self) -> bool:  # noqa: N802 (ReportLab's name)
        return True

    def beforeBuild(self) -> None:  # noqa: N802
        self.used = self.doc.total_pages

    def afterBuild(self) -> None:  # noqa: N802
        self.doc.total_pages = self.doc.page

    def isSatisfied(self) -> bool:  # noqa: N802
        return self.used == self.doc.total_pages

    def notify(self, kind: str, stuff: Any) -> None:
        """The document tells every indexing flowable of each contents entry: nothing here."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        return None


def write(out: BinaryIO, meta: Meta, story: list[Flowable]) -> None:
    """Lay the story out into `out`, in as many passes as the contents page and the page total need (two, as a
    rule: a sketch and the real one)."""
    doc = Document(out, meta)
    doc.multiBuild([PageCount(doc), *story])

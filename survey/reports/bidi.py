"""Right-to-left text in the PDFs. ReportLab draws a line's glyphs left to right as they come, unshaped: Arabic
would print as separate letters, in reverse, and a Hebrew or Arabic sentence's words backwards. So text with a
right-to-left script is wrapped here into lines by its shaped width, each line is shaped (arabic-reshaper: the
joined presentation forms DejaVu Sans carries) and put in display order (python-bidi, the Unicode bidirectional
algorithm) — per line, after wrapping, so the lines still read top to bottom — and set one per row, right-aligned
when the paragraph starts in a right-to-left script."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import arabic_reshaper
from bidi.algorithm import get_display  # the pure-Python one: it mirrors brackets, the Rust one does not
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from survey.reports import fonts

RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def has_rtl(text: str) -> bool:
    """Whether the text holds a right-to-left script (Hebrew, Arabic, Syriac, Thaana…)."""
    return RTL.search(text) is not None


def starts_rtl(text: str) -> bool:
    """Whether the text's first strong character is right-to-left (its base direction, as the algorithm finds it)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _shaped(text: str) -> str:
    return arabic_reshaper.reshape(text)


def lines(text: str, width: float, font: str, size: float) -> list[str]:
    """The text's lines as they are drawn: wrapped at spaces to `width` by their shaped width (a word longer than
    the line gets a line of its own), each shaped and in display order; hard line breaks kept."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        base = "R" if starts_rtl(paragraph) else "L"
        line: list[str] = []
        for word in paragraph.split(" "):
            candidate = " ".join([*line, word])
            if line and stringWidth(_shaped(candidate), font, size) > width:
                out.append(get_display(_shaped(" ".join(line)), base_dir=base))
                line = [word]
            else:
                line.append(word)
        out.append(get_display(_shaped(" ".join(line)), base_dir=base))
    return out


class BidiParagraph(Paragraph):
    """A paragraph of user text with a right-to-left script: laid out into drawn lines (`lines`) for the width it
    is given, escaped, and right-aligned when it starts right to left. Splits across pages as any paragraph."""

    def __init__(self, text: str | None, style: ParagraphStyle, **kwargs: Any) -> None:
        self.logical = fonts.printable(text) if text is not None else None
        self.given_style = style
        self.laid_for: float | None = None
        # Until it is wrapped (and when a split makes its pieces from frags): an ordinary paragraph.
        super().__init__(fonts.safe(text) if text is not None else None, style, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (ReportLab's names)
        if self.logical is not None and availWidth != self.laid_for:
            self.laid_for = availWidth
            style = self.given_style
            usable = availWidth - style.leftIndent - style.rightIndent
            drawn = lines(self.logical, usable, style.fontName, style.fontSize)
            if starts_rtl(self.logical):
                style = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
            Paragraph.__init__(self, "<br/>".join(fonts.safe(line) for line in drawn), style)
        return super().wrap(availWidth, availHeight)


def paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """User text as a paragraph that prints literally: a BidiParagraph when it holds right-to-left script."""
    text = str(text)
    return BidiParagraph(text, style) if has_rtl(text) else Paragraph(fonts.safe(text), style)

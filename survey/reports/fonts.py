"""The PDF's fonts: DejaVu Sans (Debian's fonts-dejavu-core), embedded, found at run time; and user text made safe
for a ReportLab Paragraph — markup escaped, characters the font lacks replaced visibly."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "DejaVuSans"
FILES = {
    FAMILY: "DejaVuSans.ttf",
    f"{FAMILY}-Bold": "DejaVuSans-Bold.ttf",
    f"{FAMILY}-Oblique": "DejaVuSans-Oblique.ttf",
    f"{FAMILY}-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
# Where Debian, Fedora, Alpine and Homebrew put DejaVu; PLEDGE_FONT_DIR comes first when set.
SEARCH = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
)
REPLACEMENT = "\ufffd"  # shown where the font has no glyph: a visible mark, never a silent gap


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed: `make system` installs fonts-dejavu-core."""


def font_dir() -> Path:
    """The directory holding DejaVu Sans."""
    for directory in (os.environ.get("PLEDGE_FONT_DIR", ""), *SEARCH):
        if directory and (Path(directory) / FILES[FAMILY]).is_file():
            return Path(directory)
    raise FontMissing("DejaVu Sans was not found: install fonts-dejavu-core (make system) or set PLEDGE_FONT_DIR")


@cache
def register() -> str:
    """Register the family with ReportLab once per process (embedded as subsets); returns its name."""
    directory = font_dir()
    for name, filename in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(directory / filename)))
    addMapping(FAMILY, 0, 0, FAMILY)
    addMapping(FAMILY, 1, 0, f"{FAMILY}-Bold")
    addMapping(FAMILY, 0, 1, f"{FAMILY}-Oblique")
    addMapping(FAMILY, 1, 1, f"{FAMILY}-BoldOblique")
    # Charts start every drawing in this font (renderPDF); without it Helvetica, which is never embedded, creeps in.
    STATE_DEFAULTS["fontName"] = FAMILY
    return FAMILY


@cache
def _covered() -> frozenset[int]:
    register()
    # The characters both faces user text is set in can show (the regular one and the bold one of headings).
    regular, bold = (pdfmetrics.getFont(name).face.charToGlyph for name in (FAMILY, f"{FAMILY}-Bold"))
    return frozenset(regular).intersection(bold)


def printable(text: str) -> str:
    """The text with every character the font cannot show replaced by U+FFFD (line breaks kept)."""
    covered = _covered()
    return "".join(ch if ord(ch) in covered or ch in "\n\t" else REPLACEMENT for ch in text)


def safe(text: object) -> str:
    """User text as Paragraph markup that prints literally: escaped (<, >, &, quotes), lines kept as <br/>."""
    return escape(printable(str(text)), {'"': "&quot;"}).replace("\n", "<br/>")

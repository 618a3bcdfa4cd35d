"""Download responses: a file's bytes with the headers that make browsers save it under its name."""

from __future__ import annotations

from flask import Response


def _download(body: bytes | str, mimetype: str, filename: str, *, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_download(pdf: bytes, filename: str) -> Response:
    """A PDF, saved under `filename` (ASCII, no quotes)."""
    return _download(pdf, "application/pdf", filename, inline=False)


def csv_download(text: str, filename: str) -> Response:
    """A CSV file, saved under `filename`."""
    return _download(text, "text/csv", filename, inline=False)

"""NHS.UK frontend assets from the npm package, served by the app (no CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("assets", __name__)
NHSUK_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
CACHE_SECONDS = 7 * 24 * 3600


@bp.get("/assets/<path:filename>")
def nhsuk(filename: str) -> Response:
    """Serve nhsuk-frontend's CSS and JS, and the images and icons its CSS asks for under /assets/."""
    if not NHSUK_DIST.is_dir():
        abort(404, "nhsuk-frontend is not installed: run `make run` (npm ci)")
    folder = NHSUK_DIST / "assets" if (NHSUK_DIST / "assets" / filename).is_file() else NHSUK_DIST
    response = send_from_directory(folder, filename, max_age=CACHE_SECONDS)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def init_app(app: Flask) -> None:
    """Register the asset route."""
    app.register_blueprint(bp)

"""The review workspace (reviewers and the lead): one blueprint, a module per concern of the review work."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("review", __name__, url_prefix="/review")


def init_app(app: Flask) -> None:
    """Register the blueprint with the views of every module of this package."""
    # Importing a module adds its views to `bp`; each concern (browse, answer, codebook, agreement, exports) is one.
    app.register_blueprint(bp)


# Importing a module adds its views to `bp`.
from survey.blueprints.review import (  # noqa: E402, F401
    agreement,
    answer,
    browse,
    bulk,
    codebook,
    double,
    emergent,
    exports,
    home,
)

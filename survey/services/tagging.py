"""Theme tagging of free-text answers: launching jobs and writing codes (filled in by the tagging work)."""

from __future__ import annotations


def after_submission(response_id: int) -> None:
    """Queue tagging of a just-submitted response's free-text answers."""
    # Answers were marked tagging="pending" by the submission; the sweep picks them up.
    return None

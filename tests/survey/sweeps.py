"""Reading the sweep lines a worker logs."""

from __future__ import annotations

import re


def sweeps(log: str, *, periodic: bool = False) -> list[dict[str, int]]:
    """What each sweep a worker logged queued or resumed, per job label, leaving out the labels with none:
    "sweep: 0 e-mail job(s), 1 tagging job(s) queued or resumed" gives {"tagging": 1}. The labels every registered
    kind adds to the line are then no concern of a test about one kind."""
    found = re.findall(r"(periodic )?sweep: (.*) queued or resumed", log)
    return [
        {label: int(n) for n, label in re.findall(r"(\d+) (.+?) job\(s\)", counts) if int(n)}
        for is_periodic, counts in found
        if is_periodic or not periodic
    ]

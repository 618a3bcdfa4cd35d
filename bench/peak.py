"""The peak resident memory of this process, for the benchmarks that measure one task in a fresh process."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mib() -> float:
    """This process's peak RSS in MiB: VmHWM, the high-water mark of its own memory since it started. Not
    `ru_maxrss`, which Linux carries over an exec from the process that started this one, so a large parent (the
    benchmark that seeded 100,000 answers) showed as this process's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

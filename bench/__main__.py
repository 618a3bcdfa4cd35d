"""Run every benchmark in turn, each in its own process: `python -m bench [--quick]` (`make bench`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each benchmark module with the arguments that shrink it for --quick.
BENCHMARKS: dict[str, list[str]] = {
    "bench.bench_web": ["--quick"],
    "bench.bench_tagging": ["--words", "200000"],
    "bench.bench_retag": ["--answers", "10000"],
    "bench.bench_suggester": ["--answers", "2000"],
    "bench.bench_review": ["--large", "300", "--export-answers", "10000"],
    "bench.bench_review_page": ["--answers", "20000", "--seconds", "3"],
    "bench.bench_synthesis": ["--organisations", "300"],
    "bench.bench_round": ["--answers", "20000", "--messages", "200"],
    "bench.bench_import": ["--organisations", "300"],
}
TIMEOUT_SECONDS = 3600


def run(module: str, args: Sequence[str]) -> str | None:
    """Run one benchmark's main() in a subprocess, streaming its lines; return an error or None."""
    name = module.rpartition(".")[2]
    print(f"== {name}", flush=True)
    started = time.perf_counter()
    code = f"import sys, {module} as m; sys.exit(m.main(sys.argv[1:]))"
    try:
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT_SECONDS} s"
    print(f"{name}_seconds: {time.perf_counter() - started:.1f}", flush=True)
    if done.returncode != 0:
        return f"exit status {done.returncode} (see its output above)"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print `name: error ...` for each that failed and exit non-zero if any did."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes and durations")
    parser.add_argument(
        "--only",
        action="append",
        choices=[m.rpartition(".")[2] for m in BENCHMARKS],
        help="run only this benchmark (repeatable)",
    )
    args = parser.parse_args(argv)
    failures = []
    for module, quick_args in BENCHMARKS.items():
        name = module.rpartition(".")[2]
        if args.only and name not in args.only:
            continue
        error = run(module, quick_args if args.quick else [])
        if error:
            failures.append(name)
            print(f"{name}: error {error}", flush=True)
    if failures:
        print(f"failed: {', '.join(failures)}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark theme tagging throughput against the bare pipeline, and the pipeline's resident memory."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp import bare_pipeline, build_pipeline  # noqa: E402

DATA_FILES = (ROOT / "tests" / "data" / "themes_dev.jsonl", ROOT / "tests" / "data" / "themes_test.jsonl")
BATCH_SIZE = 256
PASSES = 3  # over the whole corpus
CHUNK_TEXTS = 1000  # about 50,000 words: long enough to time, short enough for many pairs

_RSS_SNIPPET = """
import sys
sys.path.insert(0, {root!r})
from nlp import build_pipeline
nlp = build_pipeline()
nlp("Warm the vocabulary up with one short answer about carers and CAMHS.")
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]))
"""


def load_passages() -> list[str]:
    """The evaluation passages, used as realistic answer text."""
    passages = []
    for path in DATA_FILES:
        with path.open(encoding="utf-8") as handle:
            passages.extend(json.loads(line)["text"] for line in handle if line.strip())
    return passages


def build_corpus(words: int, seed: int = 13) -> list[str]:
    """Answers of 1 to 4 passages, shuffled with a seeded RNG, until the corpus reaches ``words`` words."""
    rng = random.Random(seed)
    passages = load_passages()
    texts: list[str] = []
    total = 0
    while total < words:
        text = " ".join(rng.sample(passages, rng.randint(1, 4)))
        texts.append(text)
        total += len(text.split())
    return texts


def run_once(nlp: Language, texts: Sequence[str]) -> float:
    """CPU seconds of this process to push every text through ``nlp.pipe`` (other processes' load excluded)."""
    start = time.process_time()
    for _doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        pass
    return time.process_time() - start


def paired_ratios(bare: Language, tagging: Language, texts: Sequence[str]) -> tuple[list[float], float, float]:
    """Per-chunk bare/tagging time ratios, each chunk timed on both pipelines back to back in alternating order
    (so drift in the machine's speed hits both alike), and the two pipelines' total CPU seconds."""
    ratios, bare_total, tagging_total = [], 0.0, 0.0
    for number, start in enumerate(range(0, len(texts), CHUNK_TEXTS)):
        chunk = texts[start : start + CHUNK_TEXTS]
        if number % 2:
            bare_seconds, tagging_seconds = run_once(bare, chunk), run_once(tagging, chunk)
        else:
            tagging_seconds, bare_seconds = run_once(tagging, chunk), run_once(bare, chunk)
        ratios.append(bare_seconds / tagging_seconds)
        bare_total += bare_seconds
        tagging_total += tagging_seconds
    return ratios, bare_total, tagging_total


def pipeline_rss_mib() -> float:
    """Resident memory (MiB) of a fresh process after importing and building the pipeline."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SNIPPET.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000, help="corpus size in words (default 1,000,000)")
    args = parser.parse_args(argv)
    texts = build_corpus(args.words)
    words = sum(len(t.split()) for t in texts)
    bare, tagging = bare_pipeline(), build_pipeline()
    warm = texts[: min(len(texts), 500)]
    run_once(bare, warm)
    run_once(tagging, warm)
    ratios, bare_seconds, tagging_seconds = [], float("inf"), float("inf")
    for _ in range(PASSES):
        pass_ratios, pass_bare, pass_tagging = paired_ratios(bare, tagging, texts)
        ratios += pass_ratios
        bare_seconds, tagging_seconds = min(bare_seconds, pass_bare), min(tagging_seconds, pass_tagging)
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    print(f"words: {words}")
    print(f"texts: {len(texts)}")
    print(f"tagging_words_per_second: {words / tagging_seconds:.0f}")
    print(f"bare_words_per_second: {words / bare_seconds:.0f}")
    # The median over paired chunks: a burst of load on this shared machine spoils a chunk, not the figure.
    print(f"tagging_ratio: {statistics.median(ratios):.3f}")
    print(f"tagging_ratio_quartiles: {quartiles[0]:.3f} {quartiles[2]:.3f} (over {len(ratios)} chunks)")
    print(f"pipeline_rss_mib: {pipeline_rss_mib():.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

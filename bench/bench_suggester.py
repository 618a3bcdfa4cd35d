"""Benchmark the suggester: training at 5,000 reviewed answers, and suggesting against the bare spaCy pipeline.

The answers are the demo's prose (every demo organisation, the per-commitment questions, as many rounds as it takes),
labelled by the demo's simulated reviewer and by the rules, as a training job finds them in the database.
`suggester_train_seconds` is what the job spends learning: measuring on the organisations held out, then training on
every answer. `suggester_predict_ratio` is the suggester's words per CPU second over the bare pipeline's (blank
English, sentencizer, lookup lemmatizer), the median over paired chunks as in `bench_tagging`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp import bare_pipeline, build_pipeline, suggest, tag_texts  # noqa: E402
from survey.demo import content, review  # noqa: E402

QUESTIONS = ("actions", "impact", "challenges")
CHUNK_TEXTS = 500


def demo_answers(count: int) -> tuple[list[str], list[str]]:
    """`count` demo answers and the organisation of each."""
    texts, groups = [], []
    round_number = 1
    while len(texts) < count:
        for org in content.ORGANISATIONS:
            rng = random.Random(f"{org.name}/{round_number}")
            for commitment in (1, 2, 3, 4, 5, 6):
                for question in QUESTIONS:
                    text = content.answer_text(
                        rng, question=question, commitment=commitment, org=org, round_number=min(round_number, 3)
                    )
                    texts.append(text)
                    groups.append(org.name)
        round_number += 1
    return texts[:count], groups[:count]


def cpu(call: object, texts: Sequence[str]) -> float:
    """CPU seconds of this process for `call(texts)`."""
    start = time.process_time()
    call(texts)  # type: ignore[operator]
    return time.process_time() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000, help="reviewed answers to train on (default 5,000)")
    args = parser.parse_args(argv)
    texts, groups = demo_answers(args.answers)
    keys = [theme.key for theme in build_pipeline().get_pipe("theme_tagger").codebook.themes]
    labels = [set(review.reviewer_themes(text)) & set(keys) for text in texts]
    rules = [set(found.themes) for found in tag_texts(build_pipeline(), texts)]
    words = sum(len(t.split()) for t in texts)

    started, started_cpu = time.perf_counter(), time.process_time()
    result = suggest.holdout(texts, labels, rules, groups, keys)
    train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    model = result.suggester

    bare = bare_pipeline()
    run_bare = lambda chunk: [None for _ in bare.pipe(chunk, batch_size=256)]  # noqa: E731
    cpu(run_bare, texts[:200])
    cpu(model.suggest, texts[:200])
    ratios, bare_total, suggest_total = [], 0.0, 0.0
    for number, start in enumerate(range(0, len(texts), CHUNK_TEXTS)):
        chunk = texts[start : start + CHUNK_TEXTS]
        pair = (run_bare, model.suggest) if number % 2 else (model.suggest, run_bare)
        first, second = cpu(pair[0], chunk), cpu(pair[1], chunk)
        bare_seconds, suggest_seconds = (first, second) if number % 2 else (second, first)
        ratios.append(bare_seconds / suggest_seconds)
        bare_total += bare_seconds
        suggest_total += suggest_seconds

    print(f"suggester_answers: {len(texts)}")
    print(f"suggester_words: {words}")
    print(f"suggester_train_seconds: {train_seconds:.2f}")
    print(f"suggester_train_cpu_seconds: {train_cpu:.2f}")
    print(f"suggester_model_mib: {len(suggest.dumps(model)) / 2**20:.1f}")
    print(f"suggester_words_per_second: {words / suggest_total:.0f}")
    print(f"suggester_bare_words_per_second: {words / bare_total:.0f}")
    print(f"suggester_predict_ratio: {statistics.median(ratios):.3f}")
    print(f"suggester_held_out_micro_f1: {result.model.micro_f1:.3f}")
    print(f"suggester_rules_held_out_micro_f1: {result.rules.micro_f1:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

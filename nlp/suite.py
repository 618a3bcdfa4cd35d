"""What ``make evaluate`` prints: scores on the real set's test and tune parts and on our own sets, the agreement
of the two independent codings, and themes per answer against length; then headline ``name: value`` lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from . import realtext
from .cli import InputError, score
from .codebook import Codebook
from .evaluate import Report, evaluate
from .pipeline import build_pipeline
from .tagging import Tagged, tag_texts

OWN_SETS = ("themes_dev.jsonl", "themes_test.jsonl")


def _proposed_only(tagged: list[Tagged], gold: list[set[str]], keys: tuple[str, ...]) -> Report:
    """Scores counting only proposed codes (strong evidence)."""
    return evaluate(gold, [{k for k in t.themes if t.levels[k] == "proposed"} for t in tagged], keys)


def _section(stdout: TextIO, title: str, body: str) -> None:
    """Print a titled block."""
    stdout.write(f"== {title}\n{body}\n\n")


def run_suite(codebook: Codebook, texts_path: str | None, stdout: TextIO) -> None:
    """Print every table and then the headline figures."""
    try:
        passages = realtext.load_texts(texts_path)
        labels = realtext.load_labels()
        split = realtext.load_split()
        codings = [realtext.load_labels(path) for path in realtext.CODINGS]
    except realtext.DataError as exc:
        raise InputError(str(exc)) from None
    nlp = build_pipeline(codebook)
    names = {t.key: t.name for t in codebook.themes}
    display: Callable[[str], str] = lambda key: names.get(key, key)  # noqa: E731
    headline: dict[str, Any] = {}
    for part in ("test", "tune"):
        ids = split[part]
        texts = [passages[i]["text"] for i in ids]
        gold = [set(labels[i]) for i in ids]
        report, tagged = score(nlp, codebook, texts, gold)
        proposed = _proposed_only(tagged, gold, codebook.keys)
        orgs = len({passages[i].get("organisation") for i in ids})
        _section(
            stdout, f"Real text, {part} part ({len(ids)} passages, {orgs} organisations)", report.format_table(display)
        )
        headline |= {
            f"real_{part}_micro_f1": report.micro_f1,
            f"real_{part}_precision": report.micro_precision,
            f"real_{part}_recall": report.micro_recall,
            f"real_{part}_macro_f1": report.macro_f1,
            f"real_{part}_proposed_precision": proposed.micro_precision,
            f"real_{part}_proposed_recall": proposed.micro_recall,
        }
    for name in OWN_SETS:
        rows = realtext.read_jsonl(realtext.DATA / name)
        gold = [{codebook.theme_by_name(n).key for n in row["themes"]} for row in rows]
        report, _ = score(nlp, codebook, [row["text"] for row in rows], gold)
        _section(stdout, f"Our own set {name} (written by us, in the codebook's words)", report.format_table(display))
        headline[f"own_{name.split('.')[0]}_micro_f1"] = report.micro_f1
    agreement = realtext.agreement_table(codings[0], codings[1], codebook.keys)
    _section(stdout, "Agreement of the two independent codings (Cohen's kappa)", realtext.format_agreement(agreement))
    for row in agreement:
        headline[f"kappa_{row.theme}"] = row.kappa
    headline["kappa_mean"] = sum(r.kappa for r in agreement) / len(agreement)
    _lengths(nlp, list(passages.values()), labels, headline, stdout)
    stdout.write("\n".join(f"{name}: {value:.3f}" for name, value in headline.items()) + "\n")


def _lengths(nlp: Any, passages: list[dict[str, Any]], labels: dict[Any, Any], headline: dict, stdout: TextIO) -> None:
    """Themes per answer against length on the real passages and on generated long answers."""
    texts = [p["text"] for p in passages]
    found = [len(t.themes) for t in tag_texts(nlp, texts)]
    gold = [len(labels.get(p["id"], ())) for p in passages]
    rows = realtext.by_length(texts, found, gold)
    _section(stdout, "Themes per answer against length: the real passages", realtext.format_lengths(rows, ""))
    headline["themes_per_answer_real"] = sum(found) / len(found)
    headline["labelled_per_answer_real"] = sum(gold) / len(gold)
    long = realtext.long_answers(passages, labels)
    tagged = list(tag_texts(nlp, [text for text, _, _ in long]))
    body = [f"{'passages':>8}  answers  mean words  themes/answer  labelled/answer  possible/answer"]
    for size in realtext.LONG_SIZES:
        chosen = [(item, t) for item, t in zip(long, tagged, strict=True) if item[1] == size]
        n = len(chosen)
        mean_words = sum(realtext.words(item[0]) for item, _ in chosen) / n
        mean_themes = sum(len(t.themes) for _, t in chosen) / n
        mean_gold = sum(item[2] for item, _ in chosen) / n
        possible = sum(sum(level == "possible" for level in t.levels.values()) for _, t in chosen) / n
        body.append(f"{size:8d}  {n:7d}  {mean_words:10.0f}  {mean_themes:13.2f}  {mean_gold:15.2f}  {possible:15.2f}")
        headline[f"themes_per_answer_long_{size}"] = mean_themes
        headline[f"labelled_per_answer_long_{size}"] = mean_gold
    _section(
        stdout,
        "Themes per answer against length: generated long answers"
        " (an organisation's passages joined, repeated when it has fewer)",
        "\n".join(body),
    )

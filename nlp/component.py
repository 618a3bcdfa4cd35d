"""The ``theme_tagger`` spaCy component: tags codebook themes as spans in ``doc.spans``."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, get_type_hints

import srsly
from spacy.attrs import NORM, SENT_START
from spacy.language import Language
from spacy.lookups import Lookups, Table, load_lookups
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup
from spacy.tokens.underscore import Underscore
from spacy.training import Example
from spacy.util import ensure_path, minibatch, registry

from .codebook import Codebook, load_codebook

SPANS_KEY = "themes"
PROPOSED, POSSIBLE = "proposed", "possible"  # the levels of a code: strong evidence, weak evidence
# What one distinct piece of evidence in a sentence is worth: a sentence scores 1 - prod(1 - weight) over them,
# and carries a theme with a strong piece, or a weak piece and another weak or context piece.
STRONG_WEIGHT, WEAK_WEIGHT, CONTEXT_WEIGHT = 0.8, 0.35, 0.25
_THEME, _EXCLUDE, _ANCHOR, _CHECKED, _WEAK, _PEOPLE = 0, 1, 2, 3, 4, 5
_STRONG_EVIDENCE, _WEAK_EVIDENCE, _CONTEXT_EVIDENCE = 0, 1, 2
# Tokens that join the members of a list of people ("patients, service users and their carers").
_LIST_JOINERS = frozenset({",", "and", "or", "&", "/", "their", "our", "its", "the", "other", "all", "as", "well"})
# Lower-case words allowed inside an organisation's name ("Birmingham and Solihull ICB").
_NAME_JOINERS = frozenset({"and", "of", "for", "&", "the", "in", "on"})
_MAX_EXPANSIONS = 20000
_ANCHOR_ATTRS = ("LOWER", "NORM", "ORTH", "TEXT")


@registry.misc("pledge.codebook.v1")
def make_codebook(path: str | None = None) -> Codebook:
    """Registry function loading a codebook file (default: the shipped one), for [initialize] configs."""
    return load_codebook(path)


@Language.factory(
    "theme_tagger",
    default_config={"spans_key": SPANS_KEY, "codebook_path": None},
    assigns=["doc.spans", "doc._.themes", "doc._.theme_scores", "doc._.theme_mentions"],
)
def make_theme_tagger(nlp: Language, name: str, *, spans_key: str, codebook_path: str | None) -> ThemeTagger:
    """Factory for the theme tagger (registered as ``theme_tagger``); its codebook is compiled once, by
    ``initialize`` (the file at ``codebook_path``, default the shipped one), ``add_codebook`` or ``from_disk``."""
    return ThemeTagger(nlp, name, spans_key=spans_key, codebook_path=codebook_path)


@registry.misc("pledge.lemma_lookups.v1")
@cache
def lemma_lookups() -> Lookups:
    """The English lookup-lemma tables, loaded once per process and shared by the lemmatizer and the tagger."""
    return load_lookups("en", ["lemma_lookup"])


def _lemma_table() -> Table:
    """The lookup-lemma table, the same object the pipeline's lookup lemmatizer uses."""
    return lemma_lookups().get_table("lemma_lookup")


def lower_lemma(word: str) -> str:
    """The lower-cased lookup lemma of a word (lemmas are case-sensitive, so look up the lower form)."""
    lowered = word.lower()
    lemma = _lemma_table().get(lowered, lowered)
    return lemma.lower() if isinstance(lemma, str) else lowered


def _inflections(word: str) -> set[str]:
    """Candidate inflected forms of a word; the lemma table decides which are real."""
    forms = {word, word + "s", word + "es", word + "d", word + "ed", word + "ing"}
    if word.endswith("e"):
        forms.add(word[:-1] + "ing")
    if word.endswith("y"):
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) > 2 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


class ThemeTagger:
    """Tag theme mentions with PhraseMatcher (lower-cased text and lemmas) and Matcher patterns."""

    def __init__(
        self,
        nlp: Language,
        name: str = "theme_tagger",
        *,
        spans_key: str = SPANS_KEY,
        codebook: Codebook | None = None,
        codebook_path: str | None = None,
    ) -> None:
        """Create the tagger for a pipeline, with a codebook now or (from `codebook_path`) at ``initialize``."""
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.codebook_path = codebook_path
        self._codebook: Codebook | None = None
        # Until a codebook is compiled, the first doc compiles the default one (as if initialised), then matches.
        self._phrases: Callable[[Doc], list[tuple[int, int, int]]] = self._initialize_then_match
        for extension in ("themes", "theme_scores", "theme_mentions"):
            if not Doc.has_extension(extension):
                Doc.set_extension(extension, default=None)
        # The user_data keys behind doc._.themes and doc._.theme_scores, as spaCy's Underscore computes them.
        underscore = Underscore(Underscore.doc_extensions, Doc(nlp.vocab))
        self._themes_key = underscore._get_key("themes")
        self._scores_key = underscore._get_key("theme_scores")
        self._mentions_key = underscore._get_key("theme_mentions")
        if codebook is not None:
            self.add_codebook(codebook)

    @property
    def codebook(self) -> Codebook:
        """The codebook in use."""
        if self._codebook is None:
            self.initialize()
        return self._codebook

    def _initialize_then_match(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Stands in for the matchers of a tagger used before it was initialised."""
        self.initialize()
        return self._phrases(doc)

    def add_codebook(self, codebook: Codebook) -> None:
        """Replace the codebook and rebuild the matchers."""
        vocab = self.nlp.vocab
        compiled = [
            (index, _compile_pattern(list(pattern), self.nlp.Defaults.stop_words))
            for index, theme in enumerate(codebook.themes)
            for pattern in theme.patterns
        ]
        self._codebook = codebook
        self._keys = codebook.keys
        strings = self.nlp.vocab.strings
        self._joiner_ids = (
            frozenset(strings.add(w) for w in _LIST_JOINERS),
            frozenset(strings.add(w) for w in _NAME_JOINERS),
        )
        self._label_ids = tuple(vocab.strings.add(key) for key in codebook.keys)
        norms = self._norm_targets(codebook, compiled)
        self._apply_norms(norms)
        # A LOWER check is redundant when its value is the only lower-case word sharing its NORM.
        surfaces: dict[str, set[str]] = {}
        for form, lemma in norms.items():
            surfaces.setdefault(lemma, set()).add(form)

        def needs_check(attr: str, value: str) -> bool:
            lowered = value.lower()
            return (
                attr != "LOWER"
                or norms.get(lowered, lowered) != lowered
                or surfaces.get(lowered, set()) - {lowered} != set()
            )

        # One NORM PhraseMatcher finds phrases, exclusions, expanded patterns and pattern anchors in one pass.
        # NORM is the lower-cased lemma of each codebook word (lower case otherwise), so it covers LOWER too.
        # Plain theme phrases (and expansions needing no exact check) are added under the theme key itself,
        # so their match id is the span label; every other rule gets its own id, listed in ``_rules``.
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._theme_of = {label_id: index for index, label_id in enumerate(self._label_ids)}
        # match id -> (kind, theme index or windowed pattern index)
        self._rules: dict[int, tuple[int, int]] = {}
        for index, theme in enumerate(codebook.themes):
            if theme.phrases:
                self._phrases.add(theme.key, [self.nlp.make_doc(p.lower()) for p in theme.phrases])
            for kind, name, listed in ((_EXCLUDE, "exclude", theme.exclude), (_WEAK, "weak", theme.weak)):
                if listed:
                    label = f"{name}::{theme.key}"
                    self._rules[vocab.strings.add(label)] = (kind, index)
                    self._phrases.add(label, [self.nlp.make_doc(p.lower()) for p in listed])
        # Context phrases are looked for only in the sentences where they could decide a theme (a weak phrase
        # without strong evidence): they are frequent words, and most sentences never need them.
        self._context = PhraseMatcher(vocab, attr="NORM")
        self._context_theme: dict[int, int] = {}
        for index, theme in enumerate(codebook.themes):
            if theme.context:
                self._context_theme[vocab.strings.add(f"context::{theme.key}")] = index
                self._context.add(f"context::{theme.key}", [self.nlp.make_doc(p.lower()) for p in theme.context])
        if codebook.people:
            self._rules[vocab.strings.add("people::")] = (_PEOPLE, 0)
            self._phrases.add("people::", [self.nlp.make_doc(p.lower()) for p in codebook.people])
        # Finite patterns (literal tokens, required or optional) become phrases too: a full-document Matcher
        # pass costs several times the rest of the pipeline. Other patterns run a Matcher in small windows
        # around an anchor token, or over the whole doc if they have no anchor.
        self._add_patterns(compiled, needs_check)
        self._has_unanchored = len(self._unanchored) > 0

    def _add_patterns(
        self,
        compiled: list[tuple[int, _Compiled]],
        needs_check: Callable[[str, str], bool],
    ) -> None:
        """Turn compiled patterns into phrases (finite ones), windowed Matchers or the unanchored Matcher."""
        vocab = self.nlp.vocab
        self._windowed: list[tuple[int, Matcher, _Compiled]] = []
        self._unanchored = Matcher(vocab)
        # (theme index, NORMs of a checked phrase) -> the exact checks of each pattern variant with those NORMs
        self._variants: dict[tuple[int, tuple[int, ...]], list[tuple[tuple[int, bool, int], ...]]] = {}
        for number, (index, comp) in enumerate(compiled):
            if comp.expansions is not None:
                for sequence in comp.expansions:
                    checks = tuple(
                        (i, attr == "LOWER", vocab.strings.add(value.lower() if attr == "LOWER" else value))
                        for i, (attr, value) in enumerate(sequence)
                        if attr != "NORM" and needs_check(attr, value)
                    )
                    doc = self._pattern_doc(sequence)
                    if not checks:
                        self._phrases.add(self._keys[index], [doc])  # one at a time, as below
                        continue
                    # One match id per theme for all its checked phrases (one per phrase cost ~1 KiB each):
                    # the matched tokens' NORMs tell which phrases matched, so which checks to run.
                    variants = self._variants.setdefault((index, tuple(t.norm for t in doc)), [])
                    if not variants:
                        label = f"checked::{self._keys[index]}"
                        self._rules[vocab.strings.add(label)] = (_CHECKED, index)
                        self._phrases.add(label, [doc])  # one at a time: thousands of Docs held at once cost MiBs
                    variants.append(checks)
            elif comp.anchor is None:
                self._unanchored.add(self._keys[index], [comp.pattern])
            else:
                matcher = Matcher(vocab)
                matcher.add(self._keys[index], [comp.pattern])
                label = f"anchor::{number}"
                self._rules[vocab.strings.add(label)] = (_ANCHOR, len(self._windowed))
                self._phrases.add(label, [self.nlp.make_doc(v) for v in comp.anchor])
                self._windowed.append((index, matcher, comp))

    def _pattern_doc(self, sequence: tuple[tuple[str, str], ...]) -> Doc:
        """A phrase Doc of the NORMs a text needs to match an expanded pattern (a superset; then checked)."""
        doc = Doc(self.nlp.vocab, words=[value for _, value in sequence])
        for token, (attr, value) in zip(doc, sequence, strict=True):
            token.norm_ = value if attr == "NORM" else lower_lemma(value)
        return doc

    def _norm_targets(self, codebook: Codebook, compiled: list[tuple[int, _Compiled]]) -> dict[str, str]:
        """Map every inflection of the codebook's words to its lower-cased lemma."""
        words: set[str] = set()
        for _, comp in compiled:
            words.update(value.lower() for value in comp.anchor or ())
            words.update(value.lower() for sequence in comp.expansions or () for _, value in sequence)
        for phrase in codebook.people:
            words.update(t.lower_ for t in self.nlp.make_doc(phrase.lower()))
        for theme in codebook.themes:
            for phrase in (*theme.phrases, *theme.exclude, *theme.weak, *theme.context):
                words.update(t.lower_ for t in self.nlp.make_doc(phrase.lower()))
            for pattern in theme.patterns:
                for token in pattern:
                    value = token.get("NORM")
                    values = value.get("IN", []) if isinstance(value, dict) else [value]
                    words.update(v.lower() for v in values if isinstance(v, str))
        norms: dict[str, str] = {}
        for word in words:
            lemma = lower_lemma(word)
            norms[word] = lemma
            for form in _inflections(lemma) | _inflections(word):
                if form not in norms and lower_lemma(form) == lemma:
                    norms[form] = lemma
        return norms

    def _apply_norms(self, norms: dict[str, str]) -> None:
        """Set lexeme NORM to the lower-cased lemma, so NORM matching costs nothing per token."""
        vocab = self.nlp.vocab
        for form, lemma in norms.items():
            for variant in {form, form.capitalize(), form.upper()}:
                vocab[variant].norm_ = lemma

    def __call__(self, doc: Doc) -> Doc:
        """Find theme spans, drop those inside exclusion phrases, merge overlaps per theme, store them."""
        return self._tag(doc, self._phrases(doc))

    def _tag(self, doc: Doc, matches: list[tuple[int, int, int]]) -> Doc:
        """Tag a doc given its phrase matches: drop cancelled evidence, then decide sentence by sentence."""
        found, weak, vetoes, people = self._find(doc, matches)
        sentences: list[Span] = []
        scores: list[float] = []
        levels: list[str] = []
        themes: dict[str, tuple[float, str]] = {}
        mentions: list[tuple[str, int, int]] = []
        if found or weak:
            view = _TokenView(doc, self._joiner_ids)
            if vetoes:
                found = [m for m in found if m[2] not in vetoes or not _overlaps_any(m, vetoes[m[2]])]
                weak = [m for m in weak if m[2] not in vetoes or not _overlaps_any(m, vetoes[m[2]])]
            if len(people) >= 3:  # a list needs three members
                lists = view.people_lists(people)
                if lists:
                    found = [m for m in found if not _inside_any(m, lists)]
                    weak = [m for m in weak if not _inside_any(m, lists)]
            if weak:
                weak = [m for m in weak if not view.in_name(m[0], m[1])]
            if found or weak:
                sentences, scores, levels, themes, kept = self._sentences(doc, view, found, weak, vetoes)
                keys = self._keys
                mentions = [(keys[index], start, end) for start, end, index in self._merged(kept)]
        group = SpanGroup(doc, name=self.spans_key, spans=sentences)
        group.attrs["scores"] = scores
        group.attrs["levels"] = levels
        # Equivalent to ``doc.spans[key] = …`` and ``doc._.themes = …`` without the proxies' overhead.
        doc.spans.data[self.spans_key] = group
        doc.user_data[self._themes_key] = list(themes)
        doc.user_data[self._scores_key] = themes
        # The phrases that counted, as (theme key, start token, end token): a Span each would cost more than the rest.
        doc.user_data[self._mentions_key] = mentions
        return doc

    def _sentences(
        self,
        doc: Doc,
        view: _TokenView,
        found: list[tuple[int, int, int]],
        weak: list[tuple[int, int, int, int]],
        vetoes: dict[int, list[tuple[int, int]]],
    ) -> tuple[list[Span], list[float], list[str], dict[str, tuple[float, str]], list[tuple[int, int, int]]]:
        """Sentences that carry a theme (a strong piece of evidence, or a weak one in company), their scores and
        levels, each theme's best (score, level) in codebook order, and the matches inside carrying sentences."""
        starts = view.sentence_starts()
        evidence = _evidence(found, weak, starts)
        if weak:
            self._add_context(doc, view, evidence, vetoes, starts)
        carried: dict[tuple[int, int], tuple[float, str]] = {}
        for key, matches in evidence.items():
            if len(matches) == 1:
                if matches[0][2] == _STRONG_EVIDENCE:
                    carried[key] = _ONE_STRONG
                continue  # one weak piece alone carries nothing
            strong, weak_count, context_count = view.distinct(matches)
            if strong or (weak_count and weak_count + context_count >= 2):
                carried[key] = _score(strong, weak_count, context_count)
        spans, scores, levels, kept = [], [], [], []
        best: dict[int, tuple[float, str]] = {}
        ends = [*starts[1:], len(doc)]
        label_ids = self._label_ids
        for key in sorted(carried):
            number, index = key
            score, level = carried[key]
            start, end = view.trim(starts[number], ends[number])
            spans.append(Span(doc, start, end, label_ids[index]))
            scores.append(score)
            levels.append(level)
            if index not in best or (level == PROPOSED, score) > (best[index][1] == PROPOSED, best[index][0]):
                best[index] = (score, level)
            kept.extend((start, end, index) for start, end, _ in evidence[key])
        kept.sort()
        return spans, scores, levels, {self._keys[i]: best[i] for i in sorted(best)}, kept

    def _add_context(
        self,
        doc: Doc,
        view: _TokenView,
        evidence: dict[tuple[int, int], list[tuple[int, int, int]]],
        vetoes: dict[int, list[tuple[int, int]]],
        starts: list[int],
    ) -> None:
        """A weak phrase needs company: add the context phrases of its theme found in its sentence (only there)."""
        needed = {key for key, matches in evidence.items() if all(m[2] for m in matches)}
        if not needed:
            return
        context_theme = self._context_theme
        themes = {index for _, index in needed}
        for match_id, start, end in self._context(doc):
            index = context_theme[match_id]
            if index not in themes:
                continue
            key = (bisect_right(starts, start) - 1, index)
            if key not in needed or view.in_name(start, end):
                continue
            if index not in vetoes or not _overlaps_any((start, end), vetoes[index]):
                evidence[key].append((start, end, _CONTEXT_EVIDENCE))

    def _find(
        self, doc: Doc, matches: list[tuple[int, int, int]]
    ) -> tuple[
        list[tuple[int, int, int]],
        list[tuple[int, int, int, int]],
        dict[int, list[tuple[int, int]]],
        list[tuple[int, int]],
    ]:
        """Strong theme matches as (start, end, theme index) in document order, weak and context ones as (start,
        end, theme index, kind of evidence), exclusion ranges per theme, and the people nouns found."""
        found: list[tuple[int, int, int]] = []
        weak: list[tuple[int, int, int, int]] = []
        people: list[tuple[int, int]] = []
        ranges: dict[int, dict[int, list[tuple[int, int]]]] = {_EXCLUDE: {}, _ANCHOR: {}}
        theme_of, rules = self._theme_of, self._rules
        for match_id, start, end in matches:
            index = theme_of.get(match_id)
            if index is not None:
                found.append((start, end, index))
                continue
            kind, index = rules[match_id]
            if kind == _WEAK:
                weak.append((start, end, index, _WEAK_EVIDENCE))
            elif kind == _PEOPLE:
                people.append((start, end))
            elif kind == _CHECKED:
                variants = self._variants[index, tuple(doc[i].norm for i in range(start, end))]
                if any(_passes(doc, start, checks) for checks in variants):
                    found.append((start, end, index))
            else:  # exclusion ranges per theme, pattern anchors per windowed pattern
                ranges[kind].setdefault(index, []).append((start, end))
        windows, vetoes = ranges[_ANCHOR], ranges[_EXCLUDE]
        if windows or self._has_unanchored:
            self._match_patterns(doc, windows, found)
        return found, weak, vetoes, people

    def _match_patterns(
        self, doc: Doc, windows: dict[int, list[tuple[int, int]]] | None, found: list[tuple[int, int, int]]
    ) -> None:
        """Add the Matcher patterns' matches (windowed and unanchored) to ``found``, keeping document order."""
        if windows:
            self._match_windows(doc, windows, found)
        if self._has_unanchored:
            theme_of = self._theme_of
            found.extend((start, end, theme_of[m]) for m, start, end in self._unanchored(doc))
        found.sort()

    @staticmethod
    def _merged(found: list[tuple[int, int, int]]) -> list[list[int]]:
        """Matches in document order as mentions: overlapping or touching matches of one theme become one."""
        merged: list[list[int]] = []  # [start, end, theme index]
        last: dict[int, list[int]] = {}  # theme index -> its latest mention
        for start, end, index in found:
            mention = last.get(index)
            if mention is not None and start <= mention[1]:
                if end > mention[1]:
                    mention[1] = end
                continue
            mention = last[index] = [start, end, index]
            merged.append(mention)
        merged.sort()
        return merged

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Tag a stream of docs a batch at a time (keeps the matcher's tables hot in the CPU cache)."""
        phrases = self._phrases
        for docs in minibatch(stream, size=batch_size):
            # All phrase matching first, while the matcher's tables are in the CPU cache, then the rest.
            yield from map(self._tag, docs, [phrases(doc) for doc in docs])

    def _match_windows(
        self, doc: Doc, windows: dict[int, list[tuple[int, int]]], found: list[tuple[int, int, int]]
    ) -> None:
        """Run each windowed pattern's Matcher over the text around its anchors."""
        length = len(doc)
        for number, anchors in windows.items():
            index, matcher, comp = self._windowed[number]
            last_end = -1
            for start, end in sorted(anchors):
                w_start = 0 if comp.before is None else max(0, start - comp.before)
                w_end = length if comp.after is None else min(length, end + comp.after)
                if w_end <= last_end:
                    continue  # inside the previous window, which has already been searched
                for _, m_start, m_end in matcher(doc[w_start:w_end]):
                    found.append((m_start + w_start, m_end + w_start, index))
                last_end = w_end

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        codebook: Codebook | None = None,
    ) -> None:
        """Initialise with an optional codebook (e.g. ``pledge.codebook.v1``); else keep the current one, or
        load the file at ``codebook_path`` (default the shipped codebook) if there is none yet."""
        if codebook is not None:
            self.add_codebook(codebook)
        elif self._codebook is None:
            self.add_codebook(load_codebook(self.codebook_path))

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise the settings and codebook."""
        return srsly.msgpack_dumps({"cfg": {"spans_key": self.spans_key}, "codebook": self.codebook.to_dict()})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> ThemeTagger:
        """Load the settings and codebook written by ``to_bytes``."""
        data = srsly.msgpack_loads(bytes_data)
        self._load(data["cfg"], data["codebook"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write ``cfg.json`` and ``codebook.json`` into a directory."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", {"spans_key": self.spans_key})
        srsly.write_json(path / "codebook.json", self.codebook.to_dict())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ThemeTagger:
        """Load a directory written by ``to_disk``."""
        path = ensure_path(path)
        self._load(srsly.read_json(path / "cfg.json"), srsly.read_json(path / "codebook.json"))
        return self

    def _load(self, cfg: dict[str, Any], codebook: dict[str, Any]) -> None:
        """Apply serialised settings and rebuild the matchers."""
        self.spans_key = cfg.get("spans_key", SPANS_KEY)
        self.add_codebook(Codebook.from_dict(codebook))


# spaCy validates initialize() settings with pydantic, which cannot resolve postponed (string) annotations.
ThemeTagger.initialize.__annotations__.update(get_type_hints(ThemeTagger.initialize))


class _Compiled(NamedTuple):
    """A Matcher pattern with an anchor token and how far the pattern can reach around it."""

    pattern: list[dict[str, Any]]
    anchor: list[str] | None
    before: int | None  # tokens the pattern can span before the anchor; None = unbounded
    after: int | None  # tokens after the anchor; None = unbounded
    expansions: list[tuple[tuple[str, str], ...]] | None = None  # every token sequence, if the pattern is finite


def _max_length(token: dict[str, Any]) -> int | None:
    """How many text tokens one pattern token can consume (None = unbounded)."""
    op = token.get("OP")
    if op in (None, "?", "!", "1"):
        return 0 if op == "!" else 1
    if isinstance(op, str) and op.startswith("{") and op.endswith("}"):
        upper = op[1:-1].split(",")[-1].strip()
        return int(upper) if upper.isdigit() else None
    return None


def _total(tokens: list[dict[str, Any]]) -> int | None:
    """Summed maximum lengths, or None if any is unbounded."""
    total = 0
    for token in tokens:
        size = _max_length(token)
        if size is None:
            return None
        total += size
    return total


def _compile_pattern(pattern: list[dict[str, Any]], stop_words: Iterable[str]) -> _Compiled:
    """Choose the most selective required token with literal values as the pattern's anchor."""
    expansions = _expand(pattern)
    if expansions is not None:
        return _Compiled(pattern, None, None, None, expansions)
    stop = set(stop_words)
    best: tuple[tuple[int, int], int, list[str]] | None = None
    for i, token in enumerate(pattern):
        if token.get("OP") not in (None, "1"):
            continue
        values = _literal_values(token)
        if values:
            score = (sum(v.lower() in stop for v in values), len(values))
            if best is None or score < best[0]:
                best = (score, i, values)
    if best is None:
        return _Compiled(pattern, None, None, None)
    _, i, values = best
    anchor = sorted({v.lower() for v in values})
    return _Compiled(pattern, anchor, _total(pattern[:i]), _total(pattern[i + 1 :]))


def _expand(pattern: list[dict[str, Any]]) -> list[tuple[tuple[str, str], ...]] | None:
    """All (attr, value) sequences a pattern of literal, required-or-optional tokens can match; else None."""
    sequences: list[tuple[tuple[str, str], ...]] = [()]
    for token in pattern:
        op = token.get("OP")
        attrs = [k for k in token if k != "OP"]
        values = _literal_values(token)
        if op not in (None, "?", "1") or len(attrs) != 1 or values is None:
            return None
        attr = "ORTH" if attrs[0] == "TEXT" else attrs[0]
        options: list[tuple[tuple[str, str], ...]] = [((attr, v),) for v in values]
        if op == "?":
            options.append(())
        sequences = [seq + option for seq in sequences for option in options]
        if len(sequences) > _MAX_EXPANSIONS:
            return None
    return sorted({seq for seq in sequences if seq})


def _passes(doc: Doc, start: int, checks: tuple[tuple[int, bool, int], ...]) -> bool:
    """Verify the exact LOWER/ORTH values of a phrase-matched expansion (NORM matching is a superset)."""
    for offset, is_lower, value in checks:
        token = doc[start + offset]
        if (token.lower if is_lower else token.orth) != value:
            return False
    return True


def _literal_values(token: dict[str, Any]) -> list[str] | None:
    """The literal strings a pattern token must equal (case-insensitively), if it has any."""
    for attr in _ANCHOR_ATTRS:
        if attr in token:
            value = token[attr]
            if isinstance(value, str):
                return [value]
            if isinstance(value, dict) and set(value) == {"IN"} and value["IN"]:
                if all(isinstance(v, str) for v in value["IN"]):
                    return list(value["IN"])
    return None


_ONE_STRONG = (STRONG_WEIGHT, PROPOSED)


def _evidence(
    found: list[tuple[int, int, int]], weak: list[tuple[int, int, int, int]], starts: list[int]
) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """Matches grouped by (sentence number, theme index), each as (start, end, kind of evidence)."""
    evidence: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    if len(starts) == 1:
        for start, end, index in found:
            evidence.setdefault((0, index), []).append((start, end, _STRONG_EVIDENCE))
        for start, end, index, kind in weak:
            evidence.setdefault((0, index), []).append((start, end, kind))
        return evidence
    for start, end, index in found:
        evidence.setdefault((bisect_right(starts, start) - 1, index), []).append((start, end, _STRONG_EVIDENCE))
    for start, end, index, kind in weak:
        evidence.setdefault((bisect_right(starts, start) - 1, index), []).append((start, end, kind))
    return evidence


@cache
def _score(strong: int, weak: int, context: int) -> tuple[float, str]:
    """A carrying sentence's score, 1 - prod(1 - weight) over its pieces of evidence, and its level."""
    miss = (1 - STRONG_WEIGHT) ** strong * (1 - WEAK_WEIGHT) ** weak * (1 - CONTEXT_WEIGHT) ** context
    return round(1 - miss, 3), PROPOSED if strong else POSSIBLE


class _TokenView:
    """The token checks the evidence rules need, on one doc."""

    def __init__(self, doc: Doc, joiners: tuple[frozenset[int], frozenset[int]]) -> None:
        """Keep the doc; attributes are read per token, only where a check needs them."""
        self.doc = doc
        self.length = len(doc)
        self.annotated = doc.has_annotation("SENT_START")
        self.list_joiners, self.name_joiners = joiners
        self._norms: list[int] | None = None

    def sentence_starts(self) -> list[int]:
        """Token indices where sentences start (the whole doc is one sentence without a sentencizer)."""
        if not self.annotated:
            return [0]
        # One C call for the whole doc instead of a Span per sentence (``doc.sents``); the first token always starts.
        starts = (self.doc.to_array(SENT_START) == 1).nonzero()[0].tolist()
        return starts if starts and starts[0] == 0 else [0, *starts]

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """A sentence's token range without the whitespace (a line break) at its ends."""
        doc = self.doc
        while end - start > 1 and doc[end - 1].is_space:
            end -= 1
        while end - start > 1 and doc[start].is_space:
            start += 1
        return start, end

    def distinct(self, matches: list[tuple[int, int, int]]) -> tuple[int, int, int]:
        """How many different strong, weak and context pieces of evidence one sentence's matches of one theme
        are: overlapping matches count once (as the strongest of them), and a repeated phrase counts once."""
        if len(matches) == 1:
            return (1, 0, 0) if matches[0][2] == _STRONG_EVIDENCE else (0, 1, 0)
        kept: list[list[int]] = []
        for start, end, kind in sorted(matches, key=lambda m: (m[0], -m[1], m[2])):
            if kept and start < kept[-1][1]:
                kept[-1][1] = max(kept[-1][1], end)
                kept[-1][2] = min(kept[-1][2], kind)
                continue
            kept.append([start, end, kind])
        if self._norms is None:
            self._norms = self.doc.to_array(NORM).tolist()  # one C call instead of a Token per look
        norms = self._norms
        pieces: tuple[set[tuple[int, ...]], ...] = (set(), set(), set())
        for start, end, kind in kept:
            pieces[kind].add(tuple(norms[start:end]))
        return len(pieces[0]), len(pieces[1]), len(pieces[2])

    def people_lists(self, people: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Token ranges of lists of three or more people nouns joined by commas and conjunctions."""
        people = sorted(set(people))
        lists: list[tuple[int, int]] = []
        run = [people[0]]
        for start, end in people[1:]:
            gap = range(run[-1][1], start)
            if start >= run[-1][1] and all(self.doc[i].norm in self.list_joiners for i in gap):
                run.append((start, end))
                continue
            if len(run) >= 3:
                lists.append((run[0][0], run[-1][1]))
            run = [(start, end)]
        if len(run) >= 3:
            lists.append((run[0][0], run[-1][1]))
        return lists

    def capitalised(self, i: int) -> bool:
        """A word written with a capital, as in a name ("Inclusion", "ICB"); long upper-case words are shouting."""
        token = self.doc[i]
        return token.is_title or (token.is_upper and 1 < len(token) <= 5)

    def in_name(self, start: int, end: int) -> bool:
        """True if a match is part of a longer capitalised name ("Cultural Inclusion Network", "Our ICB")."""
        doc = self.doc
        if doc[start].is_lower:
            return False  # most matches: a lower-case word
        joiners = self.name_joiners
        if not all(self.capitalised(i) or doc[i].norm in joiners for i in range(start, end)):
            return False
        before = start - 1
        while before > 0 and doc[before].norm in joiners and self.capitalised(before - 1):
            before -= 1
        after = end
        while after < self.length - 1 and doc[after].norm in joiners and self.capitalised(after + 1):
            after += 1
        # The first word of a sentence is capitalised by grammar, not as part of a name.
        first_word = before == 0 or (self.annotated and doc[before].is_sent_start)
        named_before = before >= 0 and self.capitalised(before) and not first_word
        return named_before or (after < self.length and self.capitalised(after))


def _inside_any(span: tuple[int, ...], ranges: list[tuple[int, int]]) -> bool:
    """True if a token range lies within one of the ranges."""
    return any(start <= span[0] and span[1] <= end for start, end in ranges)


def _overlaps_any(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    """True if a token range overlaps any of the others."""
    return any(span[0] < end and start < span[1] for start, end in others)

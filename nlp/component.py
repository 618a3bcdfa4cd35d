"""The ``theme_tagger`` spaCy component: tags codebook themes as spans in ``doc.spans``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, get_type_hints

import srsly
from spacy.language import Language
from spacy.lookups import Lookups, Table, load_lookups
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.tokens.underscore import Underscore
from spacy.training import Example
from spacy.util import ensure_path, registry

from ._evidence import RULE_KINDS, EvidencePass
from .codebook import Codebook, load_codebook

SPANS_KEY = "themes"
PROPOSED, POSSIBLE = "proposed", "possible"  # the levels of a code: strong evidence, weak evidence
# What one distinct piece of evidence in a sentence is worth: a sentence scores 1 - prod(1 - weight) over them,
# and carries a theme with a strong piece, or a weak piece and another weak or context piece.
STRONG_WEIGHT, WEAK_WEIGHT, CONTEXT_WEIGHT = 0.8, 0.35, 0.25
# The kinds of rule behind a match id, as the compiled pass reads them.
_THEME, _EXCLUDE, _ANCHOR, _CHECKED, _WEAK, _PEOPLE, _CONTEXT = RULE_KINDS
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
        # Until a codebook is compiled, the first doc compiles the default one (as if initialised), then is tagged.
        self._pass: Callable[[Doc], Doc] = self._initialize_then_tag
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

    def _initialize_then_tag(self, doc: Doc) -> Doc:
        """Stands in for the compiled pass of a tagger used before it was initialised."""
        self.initialize()
        return self._pass(doc)

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
            # Context phrases count only in the sentences where they could decide a theme (a weak phrase without
            # strong evidence); found in the same pass, they cost less than a second pass where they are needed.
            rules = (
                (_EXCLUDE, "exclude", theme.exclude),
                (_WEAK, "weak", theme.weak),
                (_CONTEXT, "context", theme.context),
            )
            for kind, name, listed in rules:
                if listed:
                    label = f"{name}::{theme.key}"
                    self._rules[vocab.strings.add(label)] = (kind, index)
                    self._phrases.add(label, [self.nlp.make_doc(p.lower()) for p in listed])
        if codebook.people:
            self._rules[vocab.strings.add("people::")] = (_PEOPLE, 0)
            self._phrases.add("people::", [self.nlp.make_doc(p.lower()) for p in codebook.people])
        # Finite patterns (literal tokens, required or optional) become phrases too: a full-document Matcher
        # pass costs several times the rest of the pipeline. Other patterns run a Matcher in small windows
        # around an anchor token, or over the whole doc if they have no anchor.
        self._add_patterns(compiled, needs_check)
        self._has_unanchored = len(self._unanchored) > 0
        self._pass = EvidencePass(
            self._phrases,
            self._theme_of,
            self._rules,
            self._variants,
            self._joiner_ids,
            self._label_ids,
            list(self._keys),
            self._match_patterns,
            self._has_unanchored,
            _score,
            _ONE_STRONG,
            PROPOSED,
            self.spans_key,
            (self._themes_key, self._scores_key, self._mentions_key),
        )

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
        """Tag a doc: its sentences that carry a theme, with scores and levels, and the phrases that counted
        (``nlp/_evidence.pyx`` holds the rules)."""
        return self._pass(doc)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Tag a stream of docs."""
        return map(self._pass, stream)

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


@cache
def _score(strong: int, weak: int, context: int) -> tuple[float, str]:
    """A carrying sentence's score, 1 - prod(1 - weight) over its pieces of evidence, and its level."""
    miss = (1 - STRONG_WEIGHT) ** strong * (1 - WEAK_WEIGHT) ** weak * (1 - CONTEXT_WEIGHT) ** context
    return round(1 - miss, 3), PROPOSED if strong else POSSIBLE

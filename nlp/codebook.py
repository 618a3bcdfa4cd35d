"""The theme codebook: themes with phrases, Matcher patterns and exclusions, loaded from JSON.

Matching semantics (implemented by ``nlp.component.ThemeTagger``):

- ``phrases`` match case-insensitively and on lower-cased lemmas, so "commission" also finds "Commissioned"
  and "COMMISSIONING". Spelling variants (organisation/organization) need a phrase each.
- ``patterns`` are spaCy Matcher token patterns. Patterns made of literal LOWER/NORM/ORTH values (a string or
  ``{"IN": [...]}``), each required or ``"OP": "?"``, are expanded into phrases (fast); any other pattern runs
  a Matcher around its most selective literal token. ``NORM`` is the lower-cased lemma.
- ``exclude`` phrases veto the theme's matches that overlap them ("board" is governance, but not inside
  "integrated care board", nor in "the Board noted"); they do not affect other themes.
- ``weak`` phrases name the theme's subject but need company, ``context`` phrases are that company (never
  evidence alone): a sentence carries the theme with one strong phrase or pattern (a *proposed* code), or with a
  weak phrase and another weak or context phrase (a *possible* code). A weak or context phrase inside an
  organisation's name ("… ICB", "Cultural Inclusion Network") does not count.
- The codebook's ``people`` are nouns for the people a service serves or employs: any theme's match inside a list
  of three or more of them ("patients, service users, carers and families") does not count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CODEBOOK_PATH = Path(__file__).parent / "data" / "codebook.json"

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")

Pattern = list[dict[str, Any]]


class CodebookError(ValueError):
    """A codebook that cannot be used, with a message that names the offending theme."""


@dataclass(frozen=True)
class Theme:
    """One theme: a stable key, a display name, and what to match."""

    key: str
    name: str
    description: str = ""
    phrases: tuple[str, ...] = ()
    # Patterns hold dicts, which are unhashable; keep them out of the hash so Theme stays hashable.
    patterns: tuple[Pattern, ...] = field(default=(), hash=False)
    exclude: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form of the theme."""
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "phrases": list(self.phrases),
            "patterns": [list(p) for p in self.patterns],
            "exclude": list(self.exclude),
            "weak": list(self.weak),
            "context": list(self.context),
        }


@dataclass(frozen=True)
class Codebook:
    """A named, versioned list of themes."""

    key: str
    version: int
    name: str
    themes: tuple[Theme, ...]
    people: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form of the codebook."""
        return {
            "key": self.key,
            "version": self.version,
            "name": self.name,
            "people": list(self.people),
            "themes": [t.to_dict() for t in self.themes],
        }

    @property
    def keys(self) -> tuple[str, ...]:
        """Theme keys in codebook order."""
        return tuple(t.key for t in self.themes)

    def theme_by_key(self, key: str) -> Theme:
        """Return the theme with this key, or raise KeyError."""
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(f"no theme with key {key!r} in codebook {self.key!r}")

    def theme_by_name(self, name: str) -> Theme:
        """Return the theme with this display name, or raise KeyError."""
        for theme in self.themes:
            if theme.name == name:
                return theme
        raise KeyError(f"no theme named {name!r} in codebook {self.key!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Codebook:
        """Build and validate a codebook from its JSON form; raise CodebookError if it is unusable."""
        if not isinstance(data, Mapping):
            raise CodebookError("codebook must be a JSON object with 'key', 'version', 'name' and 'themes'")
        for required in ("key", "name", "themes"):
            if required not in data:
                raise CodebookError(f"codebook is missing {required!r}")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise CodebookError(f"codebook 'version' must be an integer, not {version!r}")
        raw_themes = data["themes"]
        if not isinstance(raw_themes, list) or not raw_themes:
            raise CodebookError("codebook 'themes' must be a non-empty list")
        themes = tuple(_theme_from_dict(raw, i) for i, raw in enumerate(raw_themes, start=1))
        _check_unique(themes)
        people = _strings(data.get("people", []), "codebook", "people")
        return cls(key=str(data["key"]), version=version, name=str(data["name"]), themes=themes, people=people)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load a codebook from a JSON file (default: the shipped starting codebook)."""
    path = Path(path) if path is not None else DEFAULT_CODEBOOK_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodebookError(f"codebook file not found: {path}") from None
    except OSError as exc:
        raise CodebookError(f"cannot read codebook file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodebookError(f"codebook file {path} is not valid JSON ({exc})") from None
    return Codebook.from_dict(data)


def _theme_from_dict(raw: Any, position: int) -> Theme:
    """Validate one theme's JSON form."""
    if not isinstance(raw, Mapping):
        raise CodebookError(f"theme #{position} must be a JSON object")
    name = raw.get("name")
    label = f"theme #{position} ({name!r})" if isinstance(name, str) and name.strip() else f"theme #{position}"
    if not isinstance(name, str) or not name.strip():
        raise CodebookError(f"{label} has an empty or missing name")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise CodebookError(f"{label} needs a snake_case 'key' (got {key!r})")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise CodebookError(f"{label}: 'description' must be a string")
    phrases = _strings(raw.get("phrases", []), label, "phrases")
    exclude = _strings(raw.get("exclude", []), label, "exclude")
    weak = _strings(raw.get("weak", []), label, "weak")
    context = _strings(raw.get("context", []), label, "context")
    patterns = raw.get("patterns", [])
    if not isinstance(patterns, list):
        raise CodebookError(f"{label}: 'patterns' must be a list of spaCy Matcher patterns")
    for i, pattern in enumerate(patterns, start=1):
        _check_pattern(pattern, f"{label}, pattern #{i}")
    if not phrases and not patterns and not weak:
        raise CodebookError(f"{label} has no phrases, no patterns and no weak phrases, so it can never match")
    return Theme(
        key=key,
        name=name.strip(),
        description=description,
        phrases=phrases,
        patterns=tuple(patterns),
        exclude=exclude,
        weak=weak,
        context=context,
    )


def _strings(value: Any, label: str, field_name: str) -> tuple[str, ...]:
    """Check a list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CodebookError(f"{label}: {field_name!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_pattern(pattern: Any, where: str) -> None:
    """Reject anything spaCy's Matcher would refuse, with a readable message."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
        raise CodebookError(f"{where} must be a non-empty list of token objects, got {pattern!r}")
    matcher = Matcher(_scratch_vocab(), validate=True)
    try:
        matcher.add("check", [pattern])
    except (MatchPatternError, ValueError, KeyError, TypeError) as exc:
        detail = " ".join(str(exc).split())
        raise CodebookError(f"{where} is not a valid spaCy Matcher pattern: {detail}") from None


_VOCAB: list[Any] = []


def _scratch_vocab() -> Any:
    """A shared throwaway vocab for pattern validation (creating one per pattern is slow)."""
    if not _VOCAB:
        from spacy.vocab import Vocab

        _VOCAB.append(Vocab())
    return _VOCAB[0]


def _check_unique(themes: Sequence[Theme]) -> None:
    """Keys and names must be unique across themes."""
    seen_keys: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for i, theme in enumerate(themes, start=1):
        if theme.key in seen_keys:
            raise CodebookError(
                f"theme #{i} ({theme.name!r}) reuses key {theme.key!r} of theme #{seen_keys[theme.key]}"
            )
        folded = theme.name.casefold()
        if folded in seen_names:
            raise CodebookError(f"theme #{i} ({theme.name!r}) has the same name as theme #{seen_names[folded]}")
        seen_keys[theme.key] = i
        seen_names[folded] = i

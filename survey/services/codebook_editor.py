"""The codebook editor: a draft of the pledge's next codebook version, edited theme by theme (add, rename, describe,
patterns, merge, split), checked whole after every edit, and published as a new `codebook_versions` row.

Patterns are checked here without spaCy (the web process never imports it): one spaCy Matcher pattern per line,
as JSON, its token attributes, operators and predicates checked against the Matcher's own vocabulary; the preview
job and the re-tag then build the pipeline from it. Every edit is all or nothing: a bad one raises `EditorError`
and leaves the draft as it was.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Code, CodebookVersion, CodeDecision, Response, utcnow
from survey.models.review import CodebookDraft
from survey.services import audit, codebooks

# Token attributes and operators spaCy's Matcher accepts (spacy/matcher/matcher.pyx, spacy/schemas.py).
TOKEN_ATTRS = frozenset(
    "ORTH TEXT NORM LOWER LEMMA POS TAG MORPH DEP SHAPE ENT_TYPE ENT_IOB ENT_ID ENT_KB_ID LENGTH SPACY SENT_START "
    "IS_ALPHA IS_ASCII IS_DIGIT IS_LOWER IS_UPPER IS_TITLE IS_PUNCT IS_SPACE IS_STOP IS_SENT_START LIKE_NUM "
    "LIKE_URL LIKE_EMAIL OP".split()
)
PREDICATES = frozenset(
    "IN NOT_IN IS_SUBSET IS_SUPERSET INTERSECTS REGEX FUZZY == != >= <= > <".split()
    + [f"FUZZY{n}" for n in range(1, 10)]
)
OPERATOR = re.compile(r"^(?:[!?+*]|\{\d+\}|\{\d*,\d*\})$")
_SLUG = re.compile(r"[^a-z0-9]+")


class EditorError(ValueError):
    """An edit that cannot be made, with a message a person understands."""


def _themes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["themes"]


def _find(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The theme with this key, or a clear error."""
    for theme in _themes(data):
        if theme["key"] == key:
            return theme
    raise EditorError("That theme is not in the draft codebook (it may have been merged or renamed): reload the page.")


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_patterns(text: str) -> list[list[dict[str, Any]]]:
    """Patterns from the editor's text: one JSON list of token objects per line. Raises EditorError naming the
    line and what is wrong."""
    patterns = []
    for number, line in enumerate(lines(text), start=1):
        try:
            pattern = json.loads(line)
        except json.JSONDecodeError as error:
            raise EditorError(
                f"Pattern on line {number} does not parse: {error.msg} at character {error.colno}. Write each "
                'pattern on one line as a list of tokens, for example [{"LOWER": "peer"}, {"LOWER": "support"}].'
            ) from None
        check_pattern(pattern, f"Pattern on line {number}")
        patterns.append(pattern)
    return patterns


def check_pattern(pattern: Any, where: str) -> None:
    """Refuse what spaCy's Matcher would refuse, with a readable message."""
    if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) and t for t in pattern):
        raise EditorError(f'{where} must be a list of one or more token objects, like [{{"LOWER": "peer"}}].')
    for token in pattern:
        for attr, value in token.items():
            _check_attribute(attr, value, where)
    if all(token.get("OP") in ("?", "*", "!") for token in pattern):
        raise EditorError(f"{where} can match nothing: at least one token must be required.")


def _check_attribute(attr: str, value: Any, where: str) -> None:
    """One token attribute of a pattern and its value."""
    if attr not in TOKEN_ATTRS:
        raise EditorError(f"{where} uses {attr!r}, which is not a token attribute the matcher knows.")
    if attr == "OP":
        if not isinstance(value, str) or not OPERATOR.match(value):
            raise EditorError(f"{where} has the operator {value!r}: use !, ?, +, *, {{n}} or {{n,m}}.")
    elif isinstance(value, dict):
        unknown = sorted(set(value) - PREDICATES)
        if unknown or not value:
            raise EditorError(f"{where} uses {', '.join(unknown) or 'an empty object'} under {attr}.")
    elif not isinstance(value, str | int | bool):
        raise EditorError(f"{where} gives {attr} a value that is not text, a number or true/false.")


def patterns_text(patterns: list[Any]) -> str:
    """Patterns as the editor shows them: one JSON list per line."""
    return "\n".join(json.dumps(p, ensure_ascii=False) for p in patterns)


def check(data: dict[str, Any]) -> None:
    """The whole draft: unique keys and names, every theme able to match, patterns valid."""
    if not _themes(data):
        raise EditorError("A codebook needs at least one theme.")
    keys: set[str] = set()
    names: dict[str, str] = {}
    for theme in _themes(data):
        name = theme["name"].strip()
        if not name:
            raise EditorError("Every theme needs a name.")
        if name.casefold() in names:
            raise EditorError(f"Two themes are named “{name}”: give each theme its own name.")
        if theme["key"] in keys:
            raise EditorError(f"Two themes have the key {theme['key']}.")
        if not theme.get("phrases") and not theme.get("patterns") and not theme.get("weak"):
            raise EditorError(
                f"“{name}” has no phrases, patterns or weak words, so it could never be found in an answer."
            )
        _check_words(theme, name)
        for i, pattern in enumerate(theme.get("patterns", []), start=1):
            check_pattern(pattern, f"“{name}”, pattern {i},")
        names[name.casefold()] = name
        keys.add(theme["key"])


def _check_words(theme: dict[str, Any], name: str) -> None:
    """Context words count only beside a weak word, so a theme with context words needs weak words."""
    if theme.get("context") and not theme.get("weak"):
        raise EditorError(f"“{name}” has context words but no weak words: context words only count beside a weak word.")


def current_data(pledge_id: int) -> tuple[dict[str, Any], CodebookDraft | None]:
    """What the editor shows: the draft's data, or the current version's until someone edits (no draft yet)."""
    draft = db.session.scalar(select(CodebookDraft).where(CodebookDraft.pledge_id == pledge_id))
    if draft is not None:
        return draft.data, draft
    version = codebooks.current_version(pledge_id)
    return (version.data if version else {"themes": []}), None


def draft_for(pledge_id: int) -> CodebookDraft:
    """The pledge's draft, started from its current codebook version when there is none; flushes."""
    draft = db.session.scalar(select(CodebookDraft).where(CodebookDraft.pledge_id == pledge_id))
    if draft is None:
        version = db.session.get(CodebookVersion, codebooks.current_version_id(pledge_id))
        draft = CodebookDraft(pledge_id=pledge_id, base_version_id=version.id, data=copy.deepcopy(version.data))
        db.session.add(draft)
        db.session.flush()
    return draft


def _key_for(data: dict[str, Any], name: str) -> str:
    """A new snake_case key from a theme's name, unique in the draft."""
    base = _SLUG.sub("_", name.lower()).strip("_")[:60] or "theme"
    base = base if base[0].isalpha() else f"theme_{base}"
    taken = {t["key"] for t in _themes(data)}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _empty_lists() -> dict[str, list[Any]]:
    """What a new theme starts with besides its phrases: every other list `Codebook.from_dict` reads, empty."""
    return {"patterns": [], "exclude": [], "weak": [], "context": []}


def _save(draft: CodebookDraft, data: dict[str, Any], user_id: int, action: str, **details: Any) -> None:
    """Check the edited data whole and make it the draft's; flushes (nothing changes when it does not check)."""
    check(data)
    draft.data, draft.revision, draft.updated_by_id, draft.updated_at = data, draft.revision + 1, user_id, utcnow()
    audit.record(
        action, actor_type="staff", actor_id=user_id, target_type="codebook_draft", target_id=draft.id, **details
    )
    db.session.flush()


def add_theme(draft: CodebookDraft, user_id: int, name: str, description: str, phrases: str) -> str:
    """Add a theme; returns its key."""
    data = copy.deepcopy(draft.data)
    name = " ".join(name.split())
    if any(t["name"].casefold() == name.casefold() for t in _themes(data)):
        raise EditorError(f"There is already a theme named “{name}”.")
    key = _key_for(data, name)
    _themes(data).append(
        {
            "key": key,
            "name": name,
            "description": (description or "").strip(),
            "phrases": lines(phrases),
            **_empty_lists(),
        }
    )
    _save(draft, data, user_id, "codebook.theme_added", key=key)
    return key


def edit_theme(
    draft: CodebookDraft,
    user_id: int,
    key: str,
    *,
    name: str,
    description: str,
    phrases: str,
    patterns: str,
    exclude: str,
    weak: str,
    context: str,
) -> None:
    """Rename, describe and set the phrases, patterns, exclusions, weak and context words of one theme."""
    data = copy.deepcopy(draft.data)
    theme = _find(data, key)
    theme.update(
        name=" ".join(name.split()),
        description=(description or "").strip(),
        phrases=lines(phrases),
        patterns=parse_patterns(patterns),
        exclude=lines(exclude),
        weak=lines(weak),
        context=lines(context),
    )
    _save(draft, data, user_id, "codebook.theme_edited", key=key)


def merge(draft: CodebookDraft, user_id: int, source: str, target: str) -> None:
    """Merge one theme into another: the target takes its phrases, patterns, exclusions, weak and context words
    (and, at publish, its reviewed decisions)."""
    if source == target:
        raise EditorError("Choose two different themes: a theme cannot be merged into itself.")
    data = copy.deepcopy(draft.data)
    gone, kept = _find(data, source), _find(data, target)
    for field in ("phrases", "patterns", "exclude", "weak", "context"):
        kept[field] = kept.get(field, []) + [v for v in gone.get(field, []) if v not in kept.get(field, [])]
    data["themes"] = [t for t in _themes(data) if t["key"] != source]
    draft.changes = [*draft.changes, {"merge": [source, target]}]
    _save(draft, data, user_id, "codebook.themes_merged", source=source, target=target)


def split(draft: CodebookDraft, user_id: int, key: str, new_name: str, moved: str) -> str:
    """Split a theme: a new theme takes the listed phrases and weak words from it, each to the same list (the
    reviewed codes of the old theme are to be decided again after publishing); returns the new theme's key."""
    data = copy.deepcopy(draft.data)
    theme, moving = _find(data, key), lines(moved)
    if not moving:
        raise EditorError("List the phrases or weak words the new theme takes, one per line.")
    missing = [p for p in moving if p not in theme.get("phrases", []) and p not in theme.get("weak", [])]
    if missing:
        raise EditorError(f"“{missing[0]}” is not one of {theme['name']}’s phrases or weak words: copy them exactly.")
    name = " ".join(new_name.split())
    if any(t["name"].casefold() == name.casefold() for t in _themes(data)):
        raise EditorError(f"There is already a theme named “{name}”.")
    new_key = _key_for(data, name)
    new_theme = {"key": new_key, "name": name, "description": "", **_empty_lists()}
    for field in ("phrases", "weak"):
        new_theme[field] = [p for p in theme.get(field, []) if p in moving]
        theme[field] = [p for p in theme.get(field, []) if p not in moving]
    _themes(data).insert(_themes(data).index(theme) + 1, new_theme)
    draft.changes = [*draft.changes, {"split": [key, new_key]}]
    _save(draft, data, user_id, "codebook.theme_split", key=key, new_key=new_key)
    return new_key


@dataclass(frozen=True)
class Published:
    """A published version and the answers whose codes of a split theme are to be decided again."""

    version: CodebookVersion
    again: list[int]

    @property
    def message(self) -> str:
        """What the lead is told."""
        done = f"Version {self.version.version} is published."
        if not self.again:
            return done
        answers = "1 answer has" if len(self.again) == 1 else f"{len(self.again)} answers have"
        return f"{done} {answers} codes of a split theme to decide again."


def publish(draft: CodebookDraft, lead_id: int, round_id: int) -> Published:
    """Make the draft the pledge's next codebook version (its merges and splits kept with it), and carry the
    round's reviewed codes over to it before it is re-tagged; flushes."""
    check(draft.data)
    current = codebooks.current_version_id(draft.pledge_id)
    if current != draft.base_version_id:
        raise EditorError("Someone published another version while you edited this draft. Start a new draft from it.")
    version = codebooks.add_version_data(draft.pledge_id, {**draft.data, "changes": list(draft.changes)})
    audit.record(
        "codebook.published",
        actor_type="staff",
        actor_id=lead_id,
        target_type="codebook_version",
        target_id=version.id,
        version=version.version,
        changes=list(draft.changes),
    )
    db.session.delete(draft)
    db.session.flush()
    return Published(version, carry_over(version, round_id))


def carry_over(version: CodebookVersion, round_id: int) -> list[int]:
    """Before a round is re-tagged with a new version: reviewed codes of a merged theme move to the theme it was
    merged into (keeping their decisions); reviewed codes of a split theme are marked to be decided again. Returns
    the answers with codes to decide again; flushes."""
    themes = codebooks.theme_ids(version.id)
    in_round = select(Answer.id).join(Response, Response.id == Answer.response_id).where(Response.round_id == round_id)
    again: set[int] = set()
    for change in version.data.get("changes", []):
        if "merge" in change:
            source, target = change["merge"]
            _merge_codes(in_round, source, target, themes[target], version.id)
        elif "split" in change:
            key, new_key = change["split"]
            codes = db.session.scalars(
                select(Code).where(Code.answer_id.in_(in_round), Code.theme_key == key, Code.is_reviewed)
            ).all()
            for code in codes:
                code.note = f"Theme split into {key} and {new_key}: decide again."
                again.add(code.answer_id)
    db.session.flush()
    return sorted(again)


def _merge_codes(in_round: Any, source: str, target: str, target_theme_id: int, version_id: int) -> None:
    """Move a merged theme's reviewed codes to the target theme, or fold them into the answer's target code."""
    for code in db.session.scalars(
        select(Code).where(Code.answer_id.in_(in_round), Code.theme_key == source, Code.is_reviewed)
    ).all():
        existing = db.session.scalar(
            select(Code).where(Code.answer_id == code.answer_id, Code.theme_key == target, Code.source == code.source)
        )
        if existing is None:
            code.theme_key, code.theme_id, code.codebook_version_id = target, target_theme_id, version_id
            continue
        existing.spans = [list(s) for s in sorted({tuple(s) for s in [*existing.spans, *code.spans]})]
        if code.status == "accepted" or existing.status == "proposed":
            existing.status, existing.review_version = code.status, existing.review_version + 1
        # The decisions come along, except where the reviewer already decided the target code.
        decided = set(db.session.scalars(select(CodeDecision.reviewer_id).where(CodeDecision.code_id == existing.id)))
        for decision in db.session.scalars(select(CodeDecision).where(CodeDecision.code_id == code.id)).all():
            if decision.reviewer_id not in decided:
                decision.code_id = existing.id
        db.session.flush()
        db.session.delete(code)

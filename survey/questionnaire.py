"""The questionnaire definition: loaded from YAML data, expanded into the sections a respondent sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFINITIONS = Path(__file__).parent / "questionnaires"
QUESTION_TYPES = {
    "short_text",
    "long_text",
    "email",
    "single_choice",
    "scale",
    "multiple_choice",
    "yes_no",
    "number",
    "number_table",
}
FREE_TEXT_TYPES = {"long_text"}
YES_NO = (("yes", "Yes"), ("no", "No"))


class DefinitionError(ValueError):
    """The questionnaire definition file is malformed; the message names the question."""


@dataclass(frozen=True)
class Question:
    """One question as asked in one section (per-commitment questions carry their commitment)."""

    key: str
    type: str
    label: str
    hint: str = ""
    required: bool = False
    readonly: bool = False
    prefill: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    rows: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    # A long text's limit in words (None: none), and its character cap (0: none), words × CHARS_PER_WORD.
    max_words: int | None = None
    max_chars: int = 0
    # A definition shown under each choice, by choice value (the progress ratings).
    choice_hints: tuple[tuple[str, str], ...] = ()
    commitment: int | None = None
    # A number table's rate rule: (count column, denominator column); the count needs a denominator above 0 and
    # may not exceed it (detentions of a population).
    rate: tuple[str, str] | None = None

    @property
    def field_key(self) -> str:
        """The answer's key within a response: the question key, qualified by commitment when repeated."""
        return f"c{self.commitment}.{self.key}" if self.commitment else self.key

    # The names a page's fields carry: written here once, used by the forms, the services and the templates.
    @property
    def revision_field(self) -> str:
        """The hidden field carrying the answer revision the person started from."""
        return f"rev__{self.key}"

    def cell_field(self, row: str, column: str) -> str:
        """The field of one cell of a number table."""
        return f"{self.key}__{row}__{column}"

    @property
    def input_id(self) -> str:
        """The id of the question's first input, which a link to the question targets."""
        if self.type == "number_table" and self.rows and self.columns:
            return self.cell_field(self.rows[0][0], self.columns[0][0])
        return self.key

    @property
    def anchor(self) -> str:
        """The id of this answer on the pages that show a whole report (check your answers, the report)."""
        return "answer-" + self.field_key.replace(".", "-")

    @property
    def is_free_text(self) -> bool:
        """Whether answers to this question are tagged with themes."""
        return self.type in FREE_TEXT_TYPES

    def choice_label(self, value: str) -> str:
        """The label shown for a stored choice value."""
        return dict(self.choices).get(value, value)

    def choice_hint(self, value: str) -> str:
        """The definition shown under a choice, or ""."""
        return dict(self.choice_hints).get(value, "")


@dataclass(frozen=True)
class Section:
    """One page of the questionnaire and one line of the task list."""

    key: str
    title: str
    intro: str = ""
    commitment: int | None = None
    questions: tuple[Question, ...] = field(default_factory=tuple)

    @property
    def anchor(self) -> str:
        """The id of this section's heading on the pages that show a whole report."""
        return f"section-{self.key}"


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire version expanded for one pledge's commitments and one response's context."""

    key: str
    version: int
    title: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section | None:
        """The section with this key, or None."""
        return next((s for s in self.sections if s.key == key), None)

    def questions(self) -> list[Question]:
        """Every question in page order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, field_key: str) -> Question | None:
        """The question answered under this field key, or None."""
        return next((q for q in self.questions() if q.field_key == field_key), None)


def load_definition(name: str = "pledge-progress-v1") -> dict[str, Any]:
    """Read a shipped definition file and check it."""
    path = DEFINITIONS / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    check_definition(data)
    return data


# A character of a form field can take 12 bytes on the wire: 4 bytes of UTF-8, each percent-encoded as "%XX".
WIRE_BYTES_PER_CHAR = 12
FIELD_OVERHEAD_BYTES = 256
# The character cap of a text limited in words, per word allowed (definitions may say otherwise in `limits`):
# English averages six characters a word, so only abuse or a paste of something else reaches it.
CHARS_PER_WORD = 20


def max_chars(data: dict[str, Any], limits: dict[str, int]) -> int:
    """A question's character cap: words × chars per word for a text limited in words, else its type's limit."""
    if data["type"] == "long_text" and data.get("words"):
        return int(data["words"]) * int(limits.get("chars_per_word", CHARS_PER_WORD))
    return int(limits.get(data["type"], 0))


def largest_form_bytes(definition: dict[str, Any]) -> int:
    """The most bytes a legitimate POST of one section of this definition can carry, at its limits."""
    limits = definition.get("limits", {})
    largest = 0
    for section in definition["sections"]:
        size = 0
        for q in section["questions"]:
            cells = max(len(q.get("rows") or ()), 1) * max(len(q.get("columns") or ()), 1)
            chars = max_chars(q, limits) or 40 * max(len(q.get("choices") or ()), 1)
            size += cells * (chars * WIRE_BYTES_PER_CHAR + FIELD_OVERHEAD_BYTES)
        largest = max(largest, size)
    return largest


def check_definition(data: dict[str, Any]) -> None:
    """Raise DefinitionError when keys repeat or a question has an unknown type or no choices."""
    seen: set[str] = set()
    for section in data.get("sections", []):
        for q in section.get("questions", []):
            key = q.get("key", "")
            if not key or key in seen:
                raise DefinitionError(f"question key {key!r} is missing or used twice")
            seen.add(key)
            if q.get("type") not in QUESTION_TYPES:
                raise DefinitionError(f"question {key!r} has unknown type {q.get('type')!r}")
            if q["type"] in {"single_choice", "scale", "multiple_choice"} and not q.get("choices"):
                raise DefinitionError(f"question {key!r} needs choices")


def _pairs(items: list[list[str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in items or ())


def _question(data: dict[str, Any], limits: dict[str, int], commitment: int | None) -> Question:
    choices = YES_NO if data["type"] == "yes_no" else _pairs(data.get("choices"))
    return Question(
        key=data["key"],
        type=data["type"],
        label=data["label"],
        hint=data.get("hint", ""),
        required=bool(data.get("required")),
        readonly=bool(data.get("readonly")),
        prefill=data.get("prefill"),
        choices=choices,
        rows=_pairs(data.get("rows")),
        columns=_pairs(data.get("columns")),
        max_words=data.get("words") if data["type"] == "long_text" else None,
        max_chars=max_chars(data, limits),
        choice_hints=tuple((str(k), str(v)) for k, v in (data.get("choice_hints") or {}).items()),
        commitment=commitment,
        rate=tuple(data["rate"]) if data.get("rate") else None,
    )


def _applies(q: dict[str, Any], commitment: int | None, first_report: bool) -> bool:
    if commitment is not None and "only_commitments" in q and commitment not in q["only_commitments"]:
        return False
    when = q.get("when")
    return when is None or (when == "first_report") == first_report


def expand(
    definition: dict[str, Any], commitments: list[tuple[int, str]], *, first_report: bool = True
) -> Questionnaire:
    """Expand a definition into sections: repeated sections once per commitment, conditions applied."""
    limits = definition.get("limits", {})
    sections: list[Section] = []
    for s in definition["sections"]:
        numbers: list[tuple[int | None, str]] = list(commitments) if s.get("per_commitment") else [(None, "")]
        for number, title in numbers:
            questions = tuple(_question(q, limits, number) for q in s["questions"] if _applies(q, number, first_report))
            sections.append(
                Section(
                    key=f"{s['key']}-{number}" if number else s["key"],
                    title=s["title"].format(number=number) if number else s["title"],
                    intro=title if number else s.get("intro", ""),
                    commitment=number,
                    questions=questions,
                )
            )
    return Questionnaire(definition["key"], definition["version"], definition["title"], tuple(sections))

"""Questionnaire forms, generated from the questionnaire definition (data), one class per section."""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import (
    Field,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Optional, StopValidation
from wtforms.validators import ValidationError as FieldError

from forms.base import Form, RevisionField, clean_choices, strip
from survey.questionnaire import Question, Section
from survey.validate import ValidationError, check_length, check_rate_row, check_words, clean_text, parse_count


class RequiredWhenCompleting:
    """Required on *Save and continue*; *Save and come back later* accepts a blank answer."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: SectionForm, field: Field) -> None:
        """Stop with the message when the person is completing the section and left this blank."""
        if not field.data and field.data != 0:
            field.errors[:] = []
            if form.completing:
                raise StopValidation(self.message)
            raise StopValidation()


class TextLimits:
    """Refuse text over its limit in words (what the live count shows), then over its character cap, each naming
    the limit and the current count (one message: the words, when both are broken)."""

    def __init__(self, max_chars: int, max_words: int | None = None) -> None:
        self.max_chars = max_chars
        self.max_words = max_words

    def __call__(self, form: SectionForm, field: Field) -> None:
        """Raise the shared rules' message as a field error."""
        try:
            check_words(field.data or "", self.max_words)
            check_length(field.data or "", self.max_chars)
        except ValidationError as exc:
            raise FieldError(str(exc)) from None


class CountField(IntegerField):
    """A count of people or events, read by the shared rule (`validate.parse_count`), with an error naming the cell."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the number; keep the raw text on error."""
        self.raw_data = valuelist
        self.data = None
        try:
            self.data = parse_count(valuelist[0] if valuelist else "", self.label.text)
        except ValidationError as exc:
            raise ValueError(str(exc)) from None


class SectionForm(Form):
    """Base of every generated section form."""

    completing = False
    section: Section
    table_questions: tuple[Question, ...] = ()

    def validate(self, extra_validators: Any = None) -> bool:
        """Run field validators, then the rate rules the definition gives number tables."""
        ok = super().validate(extra_validators)
        for q in self.table_questions:
            if q.rate is None:
                continue
            columns = dict(q.columns)
            count_key, of_key = q.rate
            for row, row_label in q.rows:
                count, of = self[q.cell_field(row, count_key)], self[q.cell_field(row, of_key)]
                if count.errors or of.errors:
                    continue
                try:
                    check_rate_row(row_label, columns[count_key], columns[of_key], count.data, of.data)
                except ValidationError as exc:
                    target = of if count.data is not None and of.data is None else count
                    target.errors = [*target.errors, str(exc)]
                    ok = False
        return ok

    def values(self) -> dict[str, tuple[Any, int]]:
        """What a validated form says, as plain values: {field key: (value to store, revision it started from)}."""
        return {
            q.field_key: (_value(q, self), self[q.revision_field].data or 0)
            for q in self.section.questions
            if not q.readonly
        }


def _value(q: Question, form: SectionForm) -> Any:
    """The value to store for a question; blank becomes None."""
    if q.type == "number_table":
        table = {row: {col: form[q.cell_field(row, col)].data for col, _ in q.columns} for row, _ in q.rows}
        table = {row: cells for row, cells in table.items() if any(v is not None for v in cells.values())}
        return table or None
    value = form[q.key].data
    if isinstance(value, str):
        value = value.strip("\n") if q.type == "long_text" else value.strip()
    return value if value not in ("", [], None) else None


def _required(q: Question) -> list[Any]:
    verb = "Select" if q.choices else "Enter"
    return [RequiredWhenCompleting(f"{verb} an answer to “{q.label}”")] if q.required else [Optional()]


def _choices(q: Question) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in q.choices]


def _fields_for(q: Question) -> dict[str, Field]:
    text_filters = [clean_text]
    kind = q.type
    if kind == "long_text":
        limits = TextLimits(q.max_chars, q.max_words)
        return {q.key: TextAreaField(q.label, _required(q) + [limits], filters=text_filters)}
    if kind == "short_text":
        return {q.key: StringField(q.label, _required(q) + [TextLimits(q.max_chars)], filters=text_filters)}
    if kind == "email":
        email = Email(message="Enter an email address in the correct format, like name@example.nhs.uk")
        return {q.key: EmailField(q.label, _required(q) + [email], filters=[clean_text, strip])}
    if kind in {"single_choice", "scale", "yes_no"}:
        radios = RadioField(q.label, _required(q), choices=_choices(q), validate_choice=True, filters=[clean_choices])
        return {q.key: radios}
    if kind == "multiple_choice":
        return {q.key: SelectMultipleField(q.label, _required(q), choices=_choices(q), filters=[clean_choices])}
    if kind == "number":
        return {q.key: CountField(q.label, [Optional()])}
    if kind == "number_table":
        return {
            q.cell_field(row, col): CountField(f"{col_label} for {row_label}", [Optional()])
            for row, row_label in q.rows
            for col, col_label in q.columns
        }
    raise ValueError(f"no form field for question type {kind!r}")


@cache
def section_form_class(section: Section) -> type[SectionForm]:
    """Build (once) the form class for a section from its questions."""
    attrs: dict[str, Any] = {"section": section}
    tables = []
    for q in section.questions:
        if q.readonly:
            continue
        attrs.update(_fields_for(q))
        attrs[q.revision_field] = RevisionField()
        if q.type == "number_table":
            tables.append(q)
    attrs["table_questions"] = tuple(tables)
    return type(f"{section.key.title().replace('-', '').replace('_', '')}Form", (SectionForm,), attrs)


# Besides the form's own fields: the button pressed, and where a change begun elsewhere returns to (a page sent
# from check your answers carries it through its POST).
BUTTON_FIELD = "action"
RETURN_FIELDS = ("return", "return_answer")


def expected_field_names(form: SectionForm) -> set[str]:
    """The names a genuine submission of this form may carry."""
    return {f.name for f in form} | {BUTTON_FIELD, *RETURN_FIELDS}

"""The section page from a skeleton: rendered once per process for each section (and return target), with a slot
for every value that differs between requests, then filled with this request's answers and revisions, the names,
the response id, the CSRF token and the CSP nonce. Filling costs a fraction of a render; the markup is the same
byte for byte (a test compares both). A page with errors, notices or a pre-fill offer is rendered in full."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, g, render_template
from jinja2 import Environment
from markupsafe import Markup, escape

from forms.respond import SignOutForm
from survey.questionnaire import Question, Section
from survey.security import csp_nonce
from survey.services.templating import choice_item

TEMPLATE = "respond/section.html"
EXTRAS_TEMPLATE = "respond/_section_extras.html"
# Stands for the response id in the skeleton's links: a number no page shows, replaced by a slot after rendering.
RESPONSE_ID = 1_000_000_000_000_007
_SLOT = re.compile("\ue000([0-9]+)\ue001")  # private-use characters: escaping leaves them, no text contains them

Slot = tuple[Any, ...]  # (kind, *arguments): what to put in the page, see `_FILL`


class _Strict:
    """An object for the skeleton's render with only the attributes a section page may read; reading any other
    is an error (Jinja would print an undefined attribute as nothing, and the skeleton would silently lose it)."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # Python's own protocols (hasattr, copy) ask for these
        raise RuntimeError(f"The section page reads .{name}, which its skeleton has no slot for: add one.")


class _Choice:
    """A choice field's data in the skeleton: `choice_item` compares each choice value with it, and gets a slot."""

    def __init__(self, slot: Callable[..., Markup], name: str) -> None:
        self.slot, self.name = slot, name

    def __eq__(self, value: object) -> Any:
        return self.slot("checked", self.name, value)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class _Field:
    """What the section templates read of a form field, with slots for the values."""

    name: str
    data: Any
    errors: tuple[str, ...] = ()
    raw_data: tuple[str, ...] = ()


class _Form:
    """What the section templates read of a section form: fields with slots, no errors, a CSRF field."""

    def __init__(self, section: Section, slot: Callable[..., Markup]) -> None:
        self.errors: dict[str, list[str]] = {}
        self.csrf_token = SignOutForm().csrf_token  # the same hidden input; its token becomes a slot after rendering
        self._fields: dict[str, _Field] = {}
        for q in section.questions:
            self._add(q.revision_field, slot("revision", q.revision_field))
            if q.type == "number_table":
                for row, _ in q.rows:
                    for col, _ in q.columns:
                        self._add(q.cell_field(row, col), slot("cell", q.cell_field(row, col)))
            elif q.choices or q.type == "yes_no":
                self._add(q.key, _Choice(slot, q.key))
            else:
                self._add(q.key, slot("text", q.key))

    def _add(self, name: str, data: Any) -> None:
        self._fields[name] = _Field(name, data)

    def __getitem__(self, name: str) -> _Field:
        return self._fields[name]

    def __iter__(self) -> Any:
        return iter(())  # no field has errors


@dataclass(frozen=True)
class _Request:
    """This request's values: the section form (its data and CSRF token), the response, the contact, the extras."""

    form: Any
    response: Any
    contact: Any
    extras: Callable[[], str]


def _cell(field: Any) -> str:
    return escape(field.raw_data[0] if field.raw_data else (field.data if field.data is not None else ""))


# Each kind of slot's value: the same text the template prints in a full render, escaped as it escapes.
_FILL: dict[str, Callable[..., str]] = {
    "text": lambda r, name: escape(r.form[name].data or ""),
    "revision": lambda r, name: escape(r.form[name].data or "0"),
    "cell": lambda r, name: _cell(r.form[name]),
    "checked": lambda r, name, value: " checked" if choice_item((value, ""), r.form[name].data)[2] else "",
    "id": lambda r: str(r.response.id),
    "organisation": lambda r: escape(r.response.organisation.name),
    "contact": lambda r: escape(r.contact.name),
    "csrf": lambda r: r.form.csrf_token.current_token,
    "nonce": lambda r: csp_nonce(),
    "extras": lambda r: r.extras(),
}


@dataclass(frozen=True)
class Skeleton:
    """A rendered section page cut at its slots: `texts` has one more item than `slots`."""

    texts: tuple[str, ...]
    slots: tuple[Slot, ...]

    def fill(self, request: _Request) -> str:
        """The page for this request: each slot replaced by its value."""
        out = [self.texts[0]]
        for (kind, *args), text in zip(self.slots, self.texts[1:], strict=True):
            out.append(_FILL[kind](request, *args))
            out.append(text)
        return "".join(out)


@lru_cache(maxsize=512)
def _skeleton(env: Environment, section: Section, returning: tuple[str, Question | None] | None) -> Skeleton:
    """Render the section page once with slots (inside the first request that needs it) and cut it at them."""
    slots: list[Slot] = []

    def slot(*spec: Any) -> Markup:
        slots.append(spec)
        return Markup(f"\ue000{len(slots) - 1}\ue001")

    form = _Form(section, slot)
    real = g.response, g.contact
    g.response = _Strict(id=RESPONSE_ID, organisation=_Strict(name=slot("organisation")))
    g.contact = _Strict(name=slot("contact"))
    try:
        page = render_template(
            TEMPLATE, section=section, form=form, answers={}, previous=None, returning=returning, extras=slot("extras")
        )
    finally:
        g.response, g.contact = real
    page = page.replace(str(RESPONSE_ID), slot("id"))
    page = page.replace(form.csrf_token.current_token, slot("csrf")).replace(csp_nonce(), slot("nonce"))
    parts = _SLOT.split(page)
    return Skeleton(tuple(parts[0::2]), tuple(slots[int(i)] for i in parts[1::2]))


@lru_cache(maxsize=512)
def _no_extras(env: Environment, section: Section) -> str:
    """The end of a section page on which nothing is saved yet (no rate ratios, no history links)."""
    return render_template(EXTRAS_TEMPLATE, section=section, answers={})


def render_section(
    section: Section,
    form: Any,
    answers: dict[str, Any],
    *,
    returning: tuple[str, Question | None] | None,
    previous: Any,
    prefill_form: Any,
    notices: bool,
) -> str:
    """The section page: from its skeleton when it can be (no errors, notices or pre-fill offer), else in full."""
    full = form.errors or notices or previous is not None or not current_app.config.get("SECTION_SKELETONS", True)
    if full or current_app.jinja_env.auto_reload:  # templates edited while the development server runs
        return render_template(
            TEMPLATE,
            section=section,
            form=form,
            answers=answers,
            previous=previous,
            prefill_form=prefill_form,
            returning=returning,
        )
    skeleton = _skeleton(current_app.jinja_env, section, returning)

    def extras() -> str:
        if any(q.field_key in answers for q in section.questions if not q.readonly):
            return render_template(EXTRAS_TEMPLATE, section=section, answers=answers)
        return _no_extras(current_app.jinja_env, section)  # nothing saved yet: the same text every time

    return skeleton.fill(_Request(form, g.response, g.contact, extras))

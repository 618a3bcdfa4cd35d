"""The lean macros in templates/components/nhsuk.html emit the same markup as the nhsuk-frontend-jinja macros they
replace: each is rendered next to the package's macro with equivalent parameters, in the app's own Jinja
environment, and the two are compared element by element (tags, attributes, text)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from jinja2 import Template
from markupsafe import escape

# Text that must come out escaped: a tag, an ampersand and both quotes.
TRICKY = "<b>&\"'"
TRICKY_LONG = 'Tom & Jerry\'s "<b>best</b>" plan <script>alert(1)</script>'

Event = tuple[Any, ...]


class _Events(HTMLParser):
    """The markup as a sequence of start tags (with sorted attributes), end tags and non-blank texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        normalised = [
            (name, " ".join(sorted(value.split())) if name == "class" and value is not None else value)
            for name, value in attrs
        ]
        self.events.append(("start", tag, tuple(sorted(normalised, key=lambda a: (a[0], a[1] or "")))))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.events.append(("text", text))

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl))

    def handle_pi(self, data: str) -> None:
        self.events.append(("pi", data))


def normalise(html: str) -> list[Event]:
    """Parse markup into events, ignoring only whitespace around and inside texts and the order of attributes
    and of classes."""
    parser = _Events()
    parser.feed(html)
    parser.close()
    return parser.events


def test_normalise_keeps_what_matters() -> None:
    """The comparison ignores layout whitespace and attribute/class order, and nothing else."""
    spaced = '<p class="b a" id="x">\n  Hello\n   world </p>'
    assert normalise(spaced) == normalise('<p id="x" class="a b">Hello world</p>')
    assert normalise("<p>a &amp; &#39;b&#39;</p>") == normalise("<p>a &amp; &#x27;b&#x27;</p>")
    assert normalise("<p>&lt;b&gt;</p>") != normalise("<p><b></b></p>")
    assert normalise('<input checked value="">') != normalise("<input checked>")
    assert normalise('<p class="a">x</p>') != normalise('<p class="a b">x</p>')
    assert normalise("<p>x</p>") != normalise("<span>x</span>")
    assert normalise("<p>Error: x</p>") != normalise("<p>x</p>")


def _drop_none(value: Any) -> Any:
    """The package's parameters without the keys we leave out (None means the option is not given)."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _escaped(value: Any) -> Any:
    """Every string as Markup of its escaped text: what the package macros print as given (as they do when
    autoescape is off) is then the same escaped text the lean macros print."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def _text(text: str | None) -> dict[str, str] | None:
    """A text option as a mapping: given as a string, the package would take Markup for its `html` option."""
    return None if text is None else {"text": text}


# The lean macros' arguments as the package macros' params.
def _label(for_: str, text: str, size: str | None = None, classes: str = "") -> dict[str, Any]:
    return {"for": for_, "text": text, "size": size, "classes": classes}


def _hint(id_: str, text: str, classes: str = "") -> dict[str, Any]:
    return {"id": id_, "text": text, "classes": classes}


def _error_message(id_: str, text: str) -> dict[str, Any]:
    return {"id": id_, "text": text}


def _input(
    id_: str,
    name: str,
    label_text: str,
    value: str = "",
    type: str = "text",
    label_size: str | None = None,
    hint_text: str | None = None,
    error: str | None = None,
    classes: str = "",
    autocomplete: str | None = None,
    spellcheck: bool | None = None,
    inputmode: str | None = None,
    group_classes: str = "",
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "label": {"text": label_text, "size": label_size},
        "value": value,
        "type": type,
        "hint": _text(hint_text),
        "errorMessage": _text(error),
        "classes": classes,
        "autocomplete": autocomplete,
        "spellcheck": spellcheck,
        "inputmode": inputmode,
        "formGroup": {"classes": group_classes},
    }


def _character_count(
    id_: str,
    name: str,
    label_text: str,
    value: str = "",
    maxlength: int = 0,
    threshold: int | None = None,
    rows: int = 5,
    label_size: str | None = None,
    hint_text: str | None = None,
    error: str | None = None,
    maxwords: int | None = None,
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "label": {"text": label_text, "size": label_size},
        "value": value,
        "maxlength": None if maxwords else maxlength,
        "maxwords": maxwords,
        "threshold": threshold,
        "rows": rows,
        "hint": _text(hint_text),
        "errorMessage": _text(error),
    }


def _choices(
    kind: str,
    id_prefix: str,
    name: str,
    legend: str,
    items: list[tuple[str, str, bool]],
    legend_size: str | None = None,
    legend_classes: str = "",
    hint_text: str | None = None,
    error: str | None = None,
    classes: str = "",
    item_hints: dict[str, str] | None = None,
) -> dict[str, Any]:
    hints = item_hints or {}
    return {
        "idPrefix": id_prefix,
        "name": name,
        "fieldset": {"legend": {"text": legend, "size": legend_size, "classes": legend_classes}},
        "items": [
            {"value": value, "text": text, "checked": checked, "hint": _text(hints.get(value))}
            for value, text, checked in items
        ],
        "hint": _text(hint_text),
        "errorMessage": _text(error),
        "classes": classes,
    }


def _error_summary(items: list[tuple[str, str]], title: str = "There is a problem") -> dict[str, Any]:
    return {"heading": {"text": title}, "errorList": [{"text": text, "href": href} for text, href in items]}


def _back_link(href: str, text: str = "Back") -> dict[str, Any]:
    return {"href": href, "text": text}


def _button(text: str, variant: str | None = None, classes: str = "") -> dict[str, Any]:
    return {"text": text, "variant": variant, "classes": classes}


def _header(service_name: str, href: str) -> dict[str, Any]:
    return {"service": {"text": service_name, "href": href}}


def _footer(links: list[tuple[str, str]], copyright: str) -> dict[str, Any]:
    return {"meta": {"items": [{"href": href, "text": text} for href, text in links]}, "copyright": {"text": copyright}}


# Lean macro name -> (package component, package macro, lean arguments -> package params).
PACKAGE: dict[str, tuple[str, str, Callable[..., dict[str, Any]]]] = {
    "label": ("label", "label", _label),
    "hint": ("hint", "hint", _hint),
    "error_message": ("error-message", "errorMessage", _error_message),
    "input": ("input", "input", _input),
    "character_count": ("character-count", "characterCount", _character_count),
    "choices": ("radios", "radios", _choices),  # or checkboxes, by the first argument
    "error_summary": ("error-summary", "errorSummary", _error_summary),
    "back_link": ("back-link", "backLink", _back_link),
    "button": ("button", "button", _button),
    "header": ("header", "header", _header),
    "footer": ("footer", "footer", _footer),
}

YES_NO = [("yes", "Yes", False), ("no", "No", False)]
SCALE = [("1", "Not at all", False), ("2", "A little", True), ("3", "A lot", False)]
MULTI = [("board", "Board", True), ("staff", "Staff", False), ("community", "Community groups", True)]

# (lean macro, positional arguments, keyword arguments): the calls the respondent pages make, and the edges.
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("label", ("q1", "What is your name?"), {}),
    ("label", ("q1", TRICKY), {"size": "s"}),
    ("label", ("org_name", TRICKY_LONG), {"size": "m", "classes": "nhsuk-u-margin-bottom-2"}),
    ("label", ("q1", "Your role"), {"size": "xl"}),
    ("hint", ("q1-hint", "For example, Head of Equality"), {}),
    ("hint", ("q1-hint", TRICKY_LONG), {}),
    ("hint", ("q1-info", "You can enter up to 500 characters"), {"classes": "nhsuk-character-count__message"}),
    ("error_message", ("q1-error", "Enter your name"), {}),
    ("error_message", ("q1-error", TRICKY_LONG), {}),
    ("input", ("respondent_name", "respondent_name", "Your name", ""), {"label_size": "s", "autocomplete": "name"}),
    (
        "input",
        ("respondent_email", "respondent_email", "Your email address", "a.person@nhs.net"),
        {
            "type": "email",
            "label_size": "s",
            "hint_text": "We will send a copy of your report here.",
            "spellcheck": False,
            "autocomplete": "email",
        },
    ),
    (
        "input",
        ("respondent_role", "respondent_role", TRICKY, TRICKY_LONG),
        {
            "label_size": "s",
            "hint_text": TRICKY,
            "error": "Enter your role & team <now>",
            "autocomplete": "organization-title",
        },
    ),
    ("input", ("lead", "lead", "Lead", TRICKY), {"error": TRICKY, "autocomplete": "off"}),
    (
        "input",
        ("staff__band5__white", "staff__band5__white", "White", "12x"),
        {
            "classes": "nhsuk-input--width-10",
            "spellcheck": False,
            "inputmode": "numeric",
            "group_classes": "nhsuk-u-margin-bottom-3",
            "error": "Enter a whole number, like 12",
        },
    ),
    ("input", ("notes", "notes", "Notes", "x"), {"spellcheck": True, "label_size": "m"}),
    (
        "character_count",
        ("progress", "progress", "What progress have you made?", "", 20000),
        {"threshold": 75, "rows": 10, "label_size": "s"},
    ),
    (
        "character_count",
        ("progress", "progress", TRICKY, "Line one\n\nLine <b>two</b> & 'three' \"quoted\"", 20000),
        {
            "threshold": 75,
            "rows": 10,
            "label_size": "s",
            "hint_text": "Say what changed. You can enter up to 20,000 characters.",
        },
    ),
    (
        "character_count",
        ("barriers", "barriers", "What got in the way?", TRICKY_LONG, 500),
        {
            "threshold": 75,
            "rows": 10,
            "label_size": "s",
            "hint_text": TRICKY,
            "error": "Barriers must be 500 characters or fewer",
        },
    ),
    ("character_count", ("other", "other", "Anything else?", "", 100), {"error": TRICKY}),
    # Word mode: the limit in words (the package's `maxwords`), with the character cap given too, as the
    # respondent pages call it.
    (
        "character_count",
        ("actions", "actions", "What have you done?", "Line one\n\nLine two", 15000),
        {"maxwords": 750, "rows": 10, "label_size": "s", "hint_text": "The actions your organisation has taken."},
    ),
    (
        "character_count",
        ("impact", "impact", TRICKY, TRICKY_LONG),
        {"maxwords": 500, "threshold": 75, "error": "Your answer is 512 words long. The limit is 500 words."},
    ),
    # A definition without a limit for long_text gives max_chars 0, which means no limit.
    ("character_count", ("story", "story", "Tell us more", "Some text"), {"threshold": 75, "label_size": "s"}),
    (
        "choices",
        ("radios", "board_approved", "board_approved", "Has your board approved the plan?", YES_NO),
        {"legend_size": "s", "classes": "nhsuk-radios--inline"},
    ),
    (
        "choices",
        ("radios", "confidence", "confidence", "How confident are you?", SCALE),
        {"legend_size": "s", "hint_text": "Choose one."},
    ),
    (
        "choices",
        ("radios", "stage", "stage", TRICKY, [(TRICKY, TRICKY_LONG, True), ("b&c", "B & C", False)]),
        {"legend_size": "s", "hint_text": TRICKY_LONG, "error": "Select <one> & only one"},
    ),
    (
        "choices",
        ("radios", "board_approved", "board_approved", "Approved?", YES_NO),
        {
            "legend_size": "m",
            "legend_classes": "nhsuk-u-margin-bottom-2",
            "error": "Select yes or no",
            "classes": "nhsuk-radios--inline",
        },
    ),
    (
        "choices",
        ("checkboxes", "partners", "partners", "Who did you work with?", MULTI),
        {"legend_size": "s", "hint_text": "Select all that apply."},
    ),
    (
        "choices",
        ("checkboxes", "partners", "partners", TRICKY_LONG, [(TRICKY, TRICKY, True), ("x", "X", False)]),
        {"legend_size": "s", "error": TRICKY},
    ),
    ("choices", ("checkboxes", "one", "one", "Only one", [("a", "A", False)]), {}),
    # A hint under each choice (the progress ratings' definitions), on some choices or all.
    (
        "choices",
        ("radios", "progress", "progress", "How would you rate your progress?", SCALE),
        {"legend_size": "s", "item_hints": {"1": "We have not begun.", "2": TRICKY_LONG, "3": "Part of normal work."}},
    ),
    (
        "choices",
        ("radios", "rating", "rating", "Rating", SCALE),
        {"item_hints": {"2": "Only the second"}, "error": "Select a rating", "hint_text": "Choose one."},
    ),
    (
        "choices",
        ("checkboxes", "partners", "partners", "Who?", MULTI),
        {"item_hints": {"staff": "Including bank staff", "community": TRICKY}},
    ),
    ("error_summary", ([("Enter your name", "#respondent_name")],), {}),
    (
        "error_summary",
        ([("Enter your name", "#respondent_name"), (TRICKY_LONG, "#q<1>&\"'"), ("Select one", "#stage")],),
        {},
    ),
    ("error_summary", ([(TRICKY, "#maincontent")],), {"title": TRICKY}),
    ("back_link", ("/respond/12",), {}),
    ("back_link", ("/respond/12", "Back to your report"), {}),
    ("back_link", ("/respond?a=1&b=<2>\"'", TRICKY), {}),
    ("button", ("Save and continue",), {}),
    ("button", ("Start from my last report",), {"variant": "secondary", "classes": "nhsuk-u-margin-bottom-0"}),
    ("button", (TRICKY,), {"variant": "warning"}),
    ("button", ("Continue",), {"classes": "nhsuk-u-margin-bottom-0"}),
    ("header", ("Pledge progress reporting", "/"), {}),
    ("header", ("Pledge progress reporting", "/respond/12/tasks"), {}),
    ("header", (TRICKY_LONG, "/a?b=1&c=<2>\"'"), {}),
    (
        "footer",
        ([("/", "About this service")], "Pledge to reduce ethnic inequalities in mental health systems"),
        {},
    ),
    (
        "footer",
        (
            [
                ("/", "About this service"),
                ("/privacy", "Privacy notice"),
                ("/accessibility", "Accessibility statement"),
                ("/cookies", "Cookies"),
            ],
            "Pledge to reduce ethnic inequalities in mental health systems",
        ),
        {},
    ),
    ("footer", ([("/about?x=1&y=<2>\"'", TRICKY), ("/cookies", TRICKY_LONG)], TRICKY_LONG), {}),
    ("footer", ([], "No links"), {}),
]


def _case_id(case: tuple[str, tuple[Any, ...], dict[str, Any]]) -> str:
    name, args, _ = case
    return str(args[0]) if name == "choices" else name


_templates: dict[tuple[int, str], Template] = {}


def _template(app: Flask, key: str, source: str) -> Template:
    """A template compiled once per environment (compiling is most of a render's cost)."""
    cache_key = (id(app.jinja_env), key)
    if cache_key not in _templates:
        _templates[cache_key] = app.jinja_env.from_string(source)
    return _templates[cache_key]


def render_lean(app: Flask, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The lean macro's output."""
    source = '{% import "components/nhsuk.html" as c %}{{ c.' + name + "(*args, **kwargs) }}"
    return _template(app, "lean:" + name, source).render(args=args, kwargs=kwargs)


def render_package(app: Flask, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, escaped: bool) -> str:
    """The package macro's output for the same call."""
    component, macro, to_params = PACKAGE[name]
    if name == "choices":
        component = macro = args[0]
    params = _drop_none(to_params(*args, **kwargs))
    if escaped:
        params = _escaped(params)
    source = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} as m %}}{{{{ m(params) }}}}'
    return _template(app, "package:" + component, source).render(params=params)


def package_autoescapes(app: Flask) -> bool:
    """Whether the package's .jinja templates escape what they print (survey.services.templating decides)."""
    autoescape = app.jinja_env.autoescape
    return bool(autoescape("nhsuk/components/label/template.jinja") if callable(autoescape) else autoescape)


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[_case_id(c) for c in CASES])
def test_lean_macro_matches_package(app: Flask, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Same elements, attributes and text as the package's macro; with autoescape on, for the same raw text."""
    lean = render_lean(app, name, args, kwargs)
    assert normalise(lean) == normalise(render_package(app, name, args, kwargs, escaped=True)), lean
    if package_autoescapes(app):
        assert normalise(lean) == normalise(render_package(app, name, args, kwargs, escaped=False)), lean


def test_every_lean_macro_is_compared(app: Flask) -> None:
    """Each macro in components/nhsuk.html has a package counterpart and at least two cases here."""
    module = app.jinja_env.get_template("components/nhsuk.html").module
    lean_macros = {n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))}
    assert lean_macros == set(PACKAGE)
    counts = {n: sum(1 for c in CASES if c[0] == n) for n in PACKAGE}
    assert min(counts.values()) >= 2, counts


def test_tricky_text_is_escaped(app: Flask) -> None:
    """The lean macros print text and attribute values escaped (the comparisons above would also pass if both
    sides failed to escape in the same way)."""
    html = render_lean(app, "input", ("q", "q", TRICKY, TRICKY), {"hint_text": TRICKY, "error": TRICKY})
    assert "<b>" not in html
    assert html.count("&lt;b&gt;&amp;") == 4

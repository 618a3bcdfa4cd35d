"""Validation rules shared by forms, imports and jobs; each failure is one ValidationError a person understands."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters, except tab and newline; also the Unicode non-characters Word sometimes leaves.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


class ValidationError(ValueError):
    """A value a person entered breaks a rule; str() is the message to show them."""


def clean_text(value: str | None) -> str | None:
    """NFC-normalise, unify line endings and drop control characters (tabs and newlines stay)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


def plural(count: int, noun: str) -> str:
    """A count and its noun: "1 word", "2,000 words"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_length(text: str, limit: int) -> None:
    """Refuse a text over `limit` characters, naming the limit and its current length."""
    if limit and len(text) > limit:
        raise ValidationError(
            f"Your answer is {len(text):,} characters long. The limit is {plural(limit, 'character')}: "
            f"shorten it by {plural(len(text) - limit, 'character')}. Your text has been kept so you can cut it."
        )


# What JavaScript's \s matches: the NHS.UK character count splits on it to count words, and so do we.
_JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def count_words(text: str) -> int:
    """The number of words as the NHS.UK character count's word mode counts them: runs between whitespace."""
    return sum(1 for word in _JS_WHITESPACE.split(text) if word)


def check_words(text: str, limit: int | None) -> None:
    """Refuse a text over `limit` words, naming the limit and its current count; "You have N words too many" is
    what the live count (nhsuk-frontend's character count) says of the same text."""
    if not limit:
        return
    words = count_words(text)
    if words > limit:
        raise ValidationError(
            f"Your answer is {plural(words, 'word')} long. The limit is {plural(limit, 'word')}. "
            f"You have {plural(words - limit, 'word')} too many. Your text has been kept so you can shorten it."
        )


# More than any count a signatory reports (the population an organisation serves is at most a region's): a larger
# number is a typing slip.
MAX_COUNT = 100_000_000
# ASCII digits, optionally grouped in threes by commas: int() would also take "1_000" and digits of other scripts.
_COUNT = re.compile(r"[0-9]{1,3}(,[0-9]{3})*|[0-9]+")


def parse_count(raw: str, label: str) -> int | None:
    """A whole number from 0 to MAX_COUNT as a person types it ("12", "20,000"); blank is None."""
    text = raw.strip()
    if not text:
        return None
    if text.startswith("-") and _COUNT.fullmatch(text[1:]):
        raise ValidationError(f"{label} must be 0 or more")
    if not _COUNT.fullmatch(text):
        raise ValidationError(f"{label} must be a whole number, like 12")
    value = int(text.replace(",", ""))
    if value > MAX_COUNT:
        raise ValidationError(f"{label} must be {MAX_COUNT:,} or less: check the number")
    return value


def check_rate_row(label: str, count_label: str, of_label: str, count: int | None, of: int | None) -> None:
    """A count (detentions) needs a denominator (population) above 0 and may not exceed it."""
    if count is not None and of is None:
        raise ValidationError(
            f"Enter the {of_label.lower()} for {label}, or remove the number of {count_label.lower()}"
        )
    if count is not None and of == 0:
        raise ValidationError(f"{of_label} for {label} must be more than 0 when {count_label.lower()} are given")
    if count is not None and of is not None and count > of:
        raise ValidationError(
            f"{count_label} for {label} ({count:,}) cannot be more than the {of_label.lower()} ({of:,})"
        )


# What a spreadsheet runs as a formula when a cell starts with it (CSV injection): refused in names and contacts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def check_not_formula(text: str, label: str) -> None:
    """Refuse a value a spreadsheet would run as a formula (it starts with =, +, -, @, tab or carriage return)."""
    if text.startswith(FORMULA_STARTS):
        shown = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], f"“{text[0]}”")
        raise ValidationError(f"{label} starts with {shown}, which a spreadsheet runs as a formula: remove it")


def check_email(raw: str, label: str = "Email address") -> str:
    """An e-mail address as stored (the domain lower-cased); a malformed one is refused saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(f"{label} “{raw.strip()[:80]}” is not a valid e-mail address: {exc}") from None


def choose(raw: str, choices: dict[str, str], label: str) -> str:
    """The key of a choice given by its key or its label (any case); refused listing what is allowed."""
    wanted = " ".join(raw.split()).lower()
    for key, text in choices.items():
        if wanted in (key.lower(), text.lower()):
            return key
    raise ValidationError(f"{label} “{raw.strip()[:80]}” is not one we know: use one of {', '.join(choices.values())}")

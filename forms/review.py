"""Forms of the review workspace: a decision on a code, a new code from a quoted passage, bulk decisions."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form, RevisionField, strip
from survey.models.states import Decision
from survey.validate import clean_text

DECISIONS = [SelectChoice(Decision.ACCEPTED.value, "Accept"), SelectChoice(Decision.REJECTED.value, "Reject")]


class DecisionForm(Form):
    """Accept or reject one code, naming the review version the reviewer saw (the optimistic check)."""

    decision = RadioField("Decision", choices=DECISIONS, validators=[InputRequired("Choose accept or reject")])
    seen = RevisionField()


class AddCodeForm(Form):
    """Code a passage: a theme and the passage quoted (a selection fills start and end with JavaScript)."""

    theme = SelectField("Theme", validators=[InputRequired("Choose a theme")], choices=[])
    quote = TextAreaField(
        "Passage",
        validators=[DataRequired("Enter the passage to code, copied from the answer"), Length(max=5000)],
        filters=[clean_text, strip],
    )
    start = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    end = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000_000)])


class ActionForm(Form):
    """A button that only needs a CSRF token: mark reviewed, undo."""


class BulkForm(Form):
    """Confirm a bulk decision: the decision and the fingerprint of the codes the preview counted."""

    decision = RadioField("Decision", choices=DECISIONS, validators=[InputRequired("Choose accept or reject")])
    fingerprint = HiddenField(validators=[DataRequired(), Length(max=64)])


class AssignForm(Form):
    """Give a sample of a round's answers to two reviewers."""

    first = SelectField("First reviewer", validators=[InputRequired("Choose the first reviewer")], choices=[])
    second = SelectField("Second reviewer", validators=[InputRequired("Choose the second reviewer")], choices=[])
    size = IntegerField(
        "How many answers",
        validators=[InputRequired("Enter how many answers to double code"), NumberRange(min=1, max=100_000)],
    )


class ThemeForm(Form):
    """A theme's name, description and what finds it."""

    name = StringField(
        "Name", validators=[DataRequired("Enter the theme's name"), Length(max=200)], filters=[clean_text, strip]
    )
    description = TextAreaField("Description", validators=[Length(max=2000)], filters=[clean_text, strip])
    phrases = TextAreaField("Phrases, one per line", validators=[Length(max=50_000)], filters=[clean_text])
    patterns = TextAreaField("Patterns, one per line", validators=[Length(max=50_000)], filters=[clean_text])
    exclude = TextAreaField("Exclusions, one per line", validators=[Length(max=50_000)], filters=[clean_text])
    weak = TextAreaField("Weak words, one per line", validators=[Length(max=50_000)], filters=[clean_text])
    context = TextAreaField("Context words, one per line", validators=[Length(max=50_000)], filters=[clean_text])


class MergeForm(Form):
    """Merge one theme into another."""

    source = SelectField("Merge this theme", validators=[InputRequired("Choose the theme to merge")], choices=[])
    target = SelectField("into this theme", validators=[InputRequired("Choose the theme to keep")], choices=[])


class SplitForm(Form):
    """Split phrases or weak words off a theme into a new one."""

    name = StringField(
        "Name of the new theme",
        validators=[DataRequired("Enter the new theme's name"), Length(max=200)],
        filters=[clean_text, strip],
    )
    moved = TextAreaField(
        "Phrases or weak words the new theme takes, one per line",
        validators=[DataRequired("List the phrases or weak words the new theme takes")],
        filters=[clean_text],
    )


class RoundForm(Form):
    """Choose a round: to preview a draft against, or to re-tag after publishing."""

    round = SelectField("Round", choices=[])

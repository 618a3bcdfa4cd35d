"""Forms of the synthesis pages: build a version, publish one."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from forms.base import Form
from survey.models import SynthesisKind


class BuildSynthesisForm(Form):
    """Build a draft (unreviewed codes too, marked) or a version for publication (reviewed codes only)."""

    kind = RadioField(
        "What do you want to build?",
        choices=[
            SelectChoice(SynthesisKind.DRAFT.value, "A draft to check: includes codes nobody has reviewed yet, marked"),
            SelectChoice(SynthesisKind.FINAL.value, "A version for publication: reviewed codes only"),
        ],
        validators=[InputRequired("Choose a draft or a version for publication")],
    )


class PublishForm(Form):
    """The "Publish this version" button: a POST with a CSRF token."""

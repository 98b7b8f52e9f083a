"""Forms of transcript review: a segment correction, the search box and closing a flag."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField


class SegmentForm(FlaskForm):
    text = TextAreaField("What was said", render_kw={"rows": 3},
                         description="Correct the words as heard; keep them verbatim.")
    # Choices come from the transcript; the service refuses a label that is not among them.
    speaker = SelectField("Speaker", validate_choice=False)
    submit = SubmitField("Save correction")


class FlagReviewForm(FlaskForm):
    note = TextAreaField("Your note", render_kw={"rows": 3},
                         description="What you looked at and what you decided (for example: "
                         "discussed in supervision, no action needed). Kept with the flag.")
    submit = SubmitField("Mark reviewed")

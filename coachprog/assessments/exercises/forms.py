"""Calibration forms: creating an exercise, and the one-button close."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ExerciseCreateForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the exercise a title."),
                                             Length(max=200)],
                        description="e.g. “Session review calibration, spring”.")
    rubric_version_id = SelectField("Rubric version", coerce=int,
                                    description="Every item is scored on this version.")
    gold_rater_id = SelectField("Gold marks by", coerce=int,
                                description="The master coach who records the agreed "
                                            "reference marks.")
    rater_ids = SelectMultipleField("Raters taking part", coerce=int,
                                    description="Hold Ctrl (⌘ on a Mac) to choose several.")
    evidence_item_ids = SelectMultipleField("Existing evidence items", coerce=int,
                                            validators=[Optional()],
                                            description="Optional if you name new items below.")
    new_items = TextAreaField("New evidence items", validators=[Optional(), Length(max=20000)],
                              description="One title per line; each becomes a simple evidence "
                                          "item.")
    submit = SubmitField("Create exercise")

    def new_item_titles(self) -> list[str]:
        return [line.strip() for line in (self.new_items.data or "").splitlines()
                if line.strip()]


class ExerciseCloseForm(FlaskForm):
    """Carries the CSRF token of the close button."""

    submit = SubmitField("Close and decide calibrations")

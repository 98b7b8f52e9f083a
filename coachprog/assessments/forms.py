"""Assessment forms. The per-behaviour marks are read from the posted form by the view (their
names depend on the rubric: `mark-<behaviour id>`, `note-<behaviour id>`)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

# Ids and marks from the form go through the shared integer rule (re-exported for the views).
from coachprog.validation import parse_int as optional_int


class EvidenceCreateForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=200)],
                        description="Shown to raters unless the assessment is blind.")
    description = TextAreaField("Description (optional)", validators=[Length(max=5000)])
    link = StringField("Link (optional)", validators=[Optional(), Length(max=500)],
                       description="An http:// or https:// address, e.g. the recording on the "
                       "intranet. Raters see it, also on blind assessments.")
    subject_employee_id = StringField(
        "Employee id of the person assessed (optional)", validators=[Length(max=64)],
        description="Used for conflict-of-interest checks and hidden from raters when the "
        "assessment is blind.")
    attachment = FileField("Attachment (optional)",
                           description="A document, image, audio or video file. Raters of a "
                           "blind assessment download it under a neutral name.")
    submit = SubmitField("Create evidence item")


class AssessmentCreateForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=200)])
    evidence_item_id = SelectField("Evidence", coerce=optional_int, validate_choice=False)
    rubric_version_id = SelectField("Rubric version", coerce=optional_int,
                                    validate_choice=False)
    blind = BooleanField(
        "Blind: raters see a pseudonym, never who is assessed",
        description="Raters of a blind assessment see neither this title nor the evidence "
        "title, only the rubric and a pseudonym. The link and the attached file are shown: "
        "they must not name the person.")
    submit = SubmitField("Create assessment")


class RaterAssignForm(FlaskForm):
    rater_id = SelectField("Rater", coerce=optional_int, validate_choice=False,
                           description="Raters hold the rater, master coach or lead coach "
                           "role and, for live assessments, a current calibration for the "
                           "rubric.")
    submit = SubmitField("Assign rater")


class ScoreForm(FlaskForm):
    save = SubmitField("Save draft")
    submit = SubmitField("Submit")


class ModerationForm(FlaskForm):
    reason = TextAreaField("Reason for the agreed result", validators=[Length(max=5000)],
                           description="Kept with the assessment; the raters' own marks are "
                           "kept as they were.")
    submit = SubmitField("Record agreed result")

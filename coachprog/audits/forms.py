"""Forms of the audits area: draw a sample, decide an audit, corrective actions, events."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from coachprog.assessments.forms import optional_int
from coachprog.audits import domain
from coachprog.validation import WholeNumberField


class DrawForm(FlaskForm):
    quarter = StringField("Quarter", description="Like 2026Q4.")
    seed = WholeNumberField("Seed (optional)", validators=[Optional()],
                        description="Leave empty for a random seed; it is recorded either way.")
    percent = FloatField("Percentage of active coaches", validators=[Optional()],
                         description="At least 20 unless you record an override reason.")
    override_reason = StringField("Override reason (only below 20 %)")
    redraw_reason = StringField("Redraw reason (only when the quarter already has a sample)")
    submit = SubmitField("Draw the sample")


class DecideForm(FlaskForm):
    session_id = SelectField("Session audited", coerce=optional_int, validate_choice=False)
    observed = BooleanField("Observed live (no recording)")
    findings = TextAreaField("Findings", description="What you saw, with time stamps where "
                             "you can; the outcome rests on it.")
    outcome = SelectField("Outcome", choices=[SelectChoice("", "— choose —")] + [
        SelectChoice(k, v) for k, v in domain.OUTCOMES.items()])
    submit = SubmitField("Save the audit")


class ChooseSessionForm(FlaskForm):
    session_id = SelectField("Session to audit", coerce=optional_int, validate_choice=False)
    submit = SubmitField("Audit this session")


class ActionForm(FlaskForm):
    kind = SelectField("Action", choices=[SelectChoice("", "— choose —")] + [
        SelectChoice(k, v) for k, v in domain.ACTION_KINDS.items()])
    description = StringField("What is to be done")
    owner_user_id = SelectField("Owner", coerce=optional_int, validate_choice=False)
    due_on = DateField("Due on", validators=[Optional()])
    submit = SubmitField("Add action")


class CloseActionForm(FlaskForm):
    status = SelectField("Close as", choices=[SelectChoice("done", "Done"),
                                             SelectChoice("cancelled", "Cancelled")])
    note = StringField("Note")
    submit = SubmitField("Close action")


class ResolveForm(FlaskForm):
    note = StringField("How it was resolved")
    submit = SubmitField("Mark resolved")


class AssignForm(FlaskForm):
    auditor_user_id = SelectField("Auditor", coerce=optional_int, validate_choice=False)
    submit = SubmitField("Assign")


class EventForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice("", "— choose —"),
                                        SelectChoice("case_clinic", "Monthly case clinic"),
                                        SelectChoice("calibration_session",
                                                     "Quarterly cross-business calibration "
                                                     "session")])
    title = StringField("Title")
    held_on = DateField("Held on", validators=[Optional()])
    # Typed, not picked: a list of every coach grows with the programme (2,000 options made
    # the structure page heavy), and attendance usually comes from the invitation's addresses.
    attendees = TextAreaField(
        "Attendees", description="Their e-mail addresses or employee ids, as in the "
        "invitation: separated by commas, semicolons, spaces or new lines.")
    submit = SubmitField("Record event")


class VerifyForm(FlaskForm):
    submit = SubmitField("Verify by recomputing")


def choices(pairs: list[tuple[object, str]], *, blank: bool = True) -> list[SelectChoice]:
    """Choices for a select filled at request time, with a "choose" entry first."""
    head = [SelectChoice("", "— choose —")] if blank else []
    return head + [SelectChoice(value, label) for value, label in pairs]

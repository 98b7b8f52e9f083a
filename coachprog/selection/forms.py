"""Selection sprint forms. The services check every rule and say what is wrong in their own
words (next to the field, through `web.apply_domain_error`); the forms only carry the CSRF token
and turn posted text into numbers and dates. Field names match the services' field-error keys.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import NumberInput

from coachprog import validation
from coachprog.selection import domain
from coachprog.selection.services import MAX_NAME, MAX_NOTES


class WholeNumberField(validation.WholeNumberField):
    """A number field whose refusal reads like the rest of the page."""

    not_a_number = "Give a whole number."


class DayField(DateField):
    """A date input (the browser's date picker) with a plain-words refusal."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give the date as year-month-day, e.g. 2026-03-02.") from None


def stage_field_name(stage: domain.SprintStage) -> str:
    """The form field (and the service's field-error key) of one calendar stage's length."""
    return f"days_{stage.value}"


class SprintForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=MAX_NAME)],
                       description="e.g. “Spring 2026 coach selection”.")
    capacity = WholeNumberField("Capacity (seats)", validators=[Optional()],
                                widget=NumberInput(min=1),
                                description="How many coaches this sprint may appoint.")
    start_date = DayField("Start date", validators=[Optional()],
                          description="The first day of nominations and applications; the "
                          "calendar below is laid out from it.")
    eligibility_notes = TextAreaField(
        "Eligibility notes", validators=[Length(max=MAX_NOTES)],
        description="Who may enter (e.g. “12 months in role, manager's support”); shown to "
        "applicants and nominees.")
    submit = SubmitField("Save sprint")

    def stage_fields(self) -> list[Any]:
        return [getattr(self, stage_field_name(d.stage)) for d in domain.STAGE_DEFAULTS]

    def stage_days(self) -> dict[str, int | None]:
        return {d.stage.value: getattr(self, stage_field_name(d.stage)).data
                for d in domain.STAGE_DEFAULTS}


# One length field per calendar stage, labelled and explained from the blueprint's defaults so
# an admin sees what each stage asks for before changing it.
for _default in domain.STAGE_DEFAULTS:
    setattr(SprintForm, stage_field_name(_default.stage), WholeNumberField(
        f"{_default.label} (days)", validators=[Optional()], default=_default.days,
        widget=NumberInput(min=_default.min_days, max=_default.max_days),
        description=f"Blueprint: {_default.effort}. Default {_default.days} days; allowed "
                    f"{_default.min_days}–{_default.max_days} days."))


class CloseSprintForm(FlaskForm):
    submit = SubmitField("Close sprint")


class PanelSeatForm(FlaskForm):
    user_id = SelectField("Member", coerce=str, validate_choice=False)
    # The service checks the reason (needed to replace someone; its length) in words.
    reason = StringField("Why the seat changes hands (needed when replacing someone)")
    submit = SubmitField("Seat")


class AdvanceForm(FlaskForm):
    target = HiddenField()
    submit = SubmitField("Move")


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the rejection", id="reject-reason",
        validators=[Length(max=domain.MAX_REASON_LENGTH)],
        description="Recorded and audited for L&D and the panel; the candidate is told in "
        "neutral words and never sees this text.")
    submit = SubmitField("Reject")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing", id="withdraw-reason",
        validators=[Length(max=domain.MAX_REASON_LENGTH)],
        description="A sentence is enough (e.g. “a new role takes my time”).")
    origin = HiddenField()
    submit = SubmitField("Withdraw")


class StageAssessmentForm(FlaskForm):
    purpose = SelectField("Assessment", coerce=str, validate_choice=False)
    submit = SubmitField("Create assessment")


class HoursLogForm(FlaskForm):
    session_date = DayField("Date of the session", validators=[Optional()])
    minutes = WholeNumberField("Length in minutes", validators=[Optional()],
                               widget=NumberInput(min=1, max=480),
                               description="Coached time only, e.g. 60 for one hour.")
    note = StringField("Note (optional)", validators=[Length(max=500)],
                       description="e.g. “third session with a new team lead”. No coaching "
                       "content: supervisors read this.")
    origin = HiddenField()
    submit = SubmitField("Log hours")


class VerifyHoursForm(FlaskForm):
    submit = SubmitField("Verify")


class PracticeReviewForm(FlaskForm):
    title = StringField("Session reviewed", validators=[Length(max=200)],
                        description="e.g. “Session 3, 12 March: goal setting”.")
    notes = TextAreaField("Review notes", validators=[Length(max=MAX_NOTES)],
                          description="What you observed and what to develop.")
    link = StringField("Link (optional)", validators=[Length(max=500)],
                       description="Where the recording or evidence lives (http:// or "
                       "https://).")
    submit = SubmitField("Record review")


class PanelDecisionForm(FlaskForm):
    verdict = RadioField("Your decision", validate_choice=False, choices=[
        SelectChoice(domain.PanelVerdict.APPOINT.value, "Appoint"),
        SelectChoice(domain.PanelVerdict.DO_NOT_APPOINT.value, "Do not appoint")])
    reasons = TextAreaField("Reasons", validators=[Length(max=domain.MAX_REASON_LENGTH)],
                            description="The evidence your decision rests on. Appointment "
                            "needs all three members to appoint.")
    submit = SubmitField("Record decision")


class ApplicationForm(FlaskForm):
    text = TextAreaField(
        "Your application", render_kw={"rows": 18},
        description=f"One page, {domain.MIN_APPLICATION_WORDS}–{domain.MAX_APPLICATION_WORDS} "
        f"words: why you want to coach, and two examples of conversations where you helped "
        f"someone find their own answer.")
    submit = SubmitField("Send application")


class NominationForm(FlaskForm):
    nominee_employee_id = SelectField("Person you nominate", coerce=str, validate_choice=False,
                                      description="People who report to you, directly or "
                                      "through your managers.")
    why = TextAreaField("Why you nominate them", validators=[Length(max=domain.MAX_WHY_LENGTH)],
                        render_kw={"rows": 6},
                        description="What you have seen them do; the nominee reads this in "
                        "their invitation.")
    submit = SubmitField("Nominate and invite")


class InvitationResponseForm(FlaskForm):
    reason = TextAreaField("If you decline, a reason (optional)",
                           validators=[Length(max=domain.MAX_REASON_LENGTH)],
                           description="Only the L&D team reads it.")
    accept = SubmitField("Accept and become a candidate")
    decline = SubmitField("Decline")

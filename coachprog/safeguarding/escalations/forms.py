"""Forms of escalation cases. Choices of category come from the path file; the service refuses
an unknown one in words next to the field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from coachprog.safeguarding.escalations.domain import OUTCOME_LABELS


class EscalationRaiseForm(FlaskForm):
    category = SelectField("What kind of concern is it?", validate_choice=False)
    summary = TextAreaField(
        "What happened", render_kw={"rows": 5},
        description="Only what the owner needs to act: what was said or seen, when, and who may "
                    "be at risk. Use the coachee's initials, not their full name.")
    submit = SubmitField("Raise the concern")


class EscalationStepForm(FlaskForm):
    note = TextAreaField("Note", render_kw={"rows": 2},
                         description="What was done. Required when the step is not needed.")
    not_needed = BooleanField("This step was not needed")
    submit = SubmitField("Record step")


class EscalationCloseForm(FlaskForm):
    outcome = RadioField("How did the case end?", validate_choice=False,
                         choices=[SelectChoice(o.value, label)
                                  for o, label in OUTCOME_LABELS.items()])
    note = TextAreaField("Closing note", render_kw={"rows": 3},
                         description="What was decided and done, for whoever reads the case "
                                     "later.")
    submit = SubmitField("Close the case")


class EscalationReopenForm(FlaskForm):
    reason = TextAreaField("Why reopen it", render_kw={"rows": 2})
    submit = SubmitField("Reopen the case")


class EscalationTakeForm(FlaskForm):
    submit = SubmitField("Take this case on")

"""Forms for privacy incidents and adverse effects. Choices are checked by the service (words
next to the field), so the fields accept any posted value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from coachprog.safeguarding.incidents.domain import KIND_LABELS, SEVERITY_LABELS


class IncidentRecordForm(FlaskForm):
    kind = RadioField("What is it?", validate_choice=False,
                      choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    severity = RadioField("How serious is it?", validate_choice=False,
                          choices=[SelectChoice(s.value, label)
                                   for s, label in SEVERITY_LABELS.items()])
    title = StringField("Short title", description="No names: it shows in lists.")
    description = TextAreaField("What happened", render_kw={"rows": 4},
                                description="Only what is needed to follow it up.")
    occurred_on = DateField("Day it happened (or was found)", validators=[Optional()])
    follow_up = TextAreaField("Follow-up", render_kw={"rows": 3},
                              description="What happens next and who does it (needed for high "
                                          "and critical).")
    follow_up_due = DateField("Follow-up due by", validators=[Optional()])
    submit = SubmitField("Record it")


class IncidentCloseForm(FlaskForm):
    note = TextAreaField("Closing note", render_kw={"rows": 3})
    submit = SubmitField("Close the record")

"""Certification decision forms. They only parse; the services decide (two people, criteria,
override and revocation rules in `domain`). Both kinds of decision (certification and
recertification) are approved through `services.approve_decision`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from coachprog.certification.domain import MIN_OVERRIDE_REASON


class OpenDecisionForm(FlaskForm):
    level = SelectField("Level", validate_choice=False)
    submit = SubmitField("Open a certification decision")


class ApproveDecisionForm(FlaskForm):
    capacity = RadioField(
        "Approve as", validate_choice=False,
        choices=[SelectChoice("master_coach", "Master coach"), SelectChoice("admin", "Admin")])
    submit = SubmitField("Approve")


class OverrideForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the override",
        description=(f"Why this coach is certified although a criterion is unmet (at least "
                     f"{MIN_OVERRIDE_REASON} characters). The override is flagged in reports "
                     f"and in the audit log."),
        render_kw={"rows": 3, "maxlength": 2000})
    submit = SubmitField("Override the unmet criteria")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the revocation",
        description=(f"Recorded with the revocation (at least {MIN_OVERRIDE_REASON} "
                     f"characters). The public verification page shows \"revoked\" at once."),
        render_kw={"rows": 3, "maxlength": 2000})
    submit = SubmitField("Revoke the certification")

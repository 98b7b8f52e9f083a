"""Consent forms: consent texts, the coachee's in-app acknowledgement, an admin's record of a
signed form, withdrawal. The services check the rules (scopes, file content, reasons); the forms
only turn input into values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from coachprog.recordings.consent.domain import SCOPES
from coachprog.validation import parse_id


class ConsentTextForm(FlaskForm):
    version = StringField("Version label",
                          description="Unique and never reused, e.g. v2 or 2025-03.")
    title = StringField("Title")
    body = TextAreaField("Text the coachee consents to", render_kw={"rows": 14})
    submit = SubmitField("Add this version")


class RetireForm(FlaskForm):
    submit = SubmitField("Retire")


class ScopeFields(FlaskForm):
    """One independent checkbox per scope (transcription needs recording)."""

    consent_text_id = SelectField("Consent text", coerce=str, choices=[])
    scope_record = BooleanField(SCOPES["record"].capitalize())
    scope_transcribe = BooleanField(SCOPES["transcribe"].capitalize(),
                                    description="Needs consent to record.")
    scope_supervisor_review = BooleanField(SCOPES["supervisor_review"].capitalize())
    scope_audit = BooleanField(SCOPES["audit"].capitalize())
    scope_analytics = BooleanField(SCOPES["analytics"].capitalize())

    def chosen_scopes(self) -> set[str]:
        return {name for name in SCOPES if getattr(self, f"scope_{name}").data}

    def chosen_text_id(self) -> int | None:
        return parse_id(self.consent_text_id.data)


class AcknowledgeForm(ScopeFields):
    submit = SubmitField("I consent to what I ticked")


class SignedConsentForm(ScopeFields):
    signed_form = FileField("Signed consent form",
                            description="A PDF, PNG or JPEG scan of the form the coachee signed.")
    signed_on = DateField("Signed on", validators=[Optional()],
                          description="The date on the form; today if left empty.")
    submit = SubmitField("Record the consent")


class AdminWithdrawForm(FlaskForm):
    reason = TextAreaField("Reason", render_kw={"rows": 3},
                           description="E.g. “the coachee asked by phone on 3 March”.")
    submit = SubmitField("Withdraw consent and delete recordings")


class WithdrawConfirmForm(FlaskForm):
    submit = SubmitField("Withdraw my consent and delete the recordings")

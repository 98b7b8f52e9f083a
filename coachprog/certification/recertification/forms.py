"""Recertification forms: the outcomes brief, the peer review request and the review itself,
starting and scoring the evidence review, the approvals and withdrawal. The services check
the rules (`recert_domain`); the forms only parse. The review marks are read from the posted
form by the view (`mark-<behaviour id>`, `note-<behaviour id>`, as on the assessments pages).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField

from coachprog.assessments.forms import optional_int
from coachprog.certification.forms import ApproveDecisionForm
from coachprog.certification.recertification import domain as rules


class OutcomesBriefForm(FlaskForm):
    text = TextAreaField(
        "Client outcomes brief",
        description=(f"What changed for your clients in this cycle and how it is known. "
                     f"{rules.MIN_BRIEF_CHARS}–{rules.MAX_BRIEF_CHARS} characters; describe "
                     f"clients without identifying them (no names or e-mail addresses)."),
        render_kw={"rows": 12, "maxlength": rules.MAX_BRIEF_CHARS})
    submit = SubmitField("Save the outcomes brief")


class PeerRequestForm(FlaskForm):
    reviewer_person_id = SelectField(
        "Peer reviewer", coerce=optional_int, validate_choice=False,
        description="Another coach holding a current certification.")
    submit = SubmitField("Request the peer review")


class PeerReviewForm(FlaskForm):
    text = TextAreaField(
        "Peer review",
        description=(f"Practice you observed or discussed with the coach in this cycle, with "
                     f"at least one strength and one area to develop. "
                     f"{rules.MIN_PEER_REVIEW_CHARS}–{rules.MAX_PEER_REVIEW_CHARS} "
                     f"characters; no client names or e-mail addresses."),
        render_kw={"rows": 10, "maxlength": rules.MAX_PEER_REVIEW_CHARS})
    submit = SubmitField("Submit the peer review")


class StartReviewForm(FlaskForm):
    rater_id = SelectField(
        "Master coach who scores the review", coerce=optional_int, validate_choice=False,
        description="Calibrated for the recertification rubric, with no conflict of interest.")
    submit = SubmitField("Start the evidence review")


class ScoreReviewForm(FlaskForm):
    save = SubmitField("Save draft")
    submit = SubmitField("Submit the marks")


class ApproveForm(ApproveDecisionForm):
    submit = SubmitField("Approve the recertification")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason for withdrawing",
        description=f"At least {rules.MIN_WITHDRAW_REASON} characters; kept with the record.",
        render_kw={"rows": 3, "maxlength": 2000})
    submit = SubmitField("Withdraw the recertification")

"""Forms of the bias-audit page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField


class BiasAuditQuarterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: it changes nothing

    quarter = StringField("Quarter", description="Like 2026Q4.")
    submit = SubmitField("Show")


class BiasReviewOpenForm(FlaskForm):
    quarter = HiddenField()
    submit = SubmitField("Open review items for the significant gaps")


class BiasReviewCloseForm(FlaskForm):
    note = TextAreaField("What was looked into, and what follows", render_kw={"rows": 2})
    submit = SubmitField("Close the review item")

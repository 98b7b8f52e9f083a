"""The outbox's one form: send a failed message again (a button; the form carries CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class OutboxResendForm(FlaskForm):
    submit = SubmitField("Send again")

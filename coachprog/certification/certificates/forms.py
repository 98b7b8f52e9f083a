"""The cohort batch form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired


class CertificateBatchForm(FlaskForm):
    issued_on = DateField("Certified on", validators=[DataRequired()])

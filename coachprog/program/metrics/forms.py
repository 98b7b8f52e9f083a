"""The indicator import form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class MetricsImportForm(FlaskForm):
    file = FileField(
        "CSV file", validators=[FileRequired("Choose a CSV file to import.")],
        render_kw={"accept": ".csv,text/csv"},
        description="Columns: employee_id, group (coached or comparison), tier (2 or 3), "
        "metric, date (YYYY-MM-DD), value; optional department, level, cohort. Leaders are "
        "stored under a pseudonym.")
    submit = SubmitField("Import")

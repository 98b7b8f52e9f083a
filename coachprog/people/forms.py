"""People directory forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class PeopleImportForm(FlaskForm):
    file = FileField(
        "HRIS export (CSV)",
        validators=[FileRequired("Choose a CSV file to import."),
                    FileAllowed(["csv", "txt"], "Upload the export as a .csv file.")],
        description="Columns: employee_id, name, email, department, title, "
                    "manager_employee_id, active; optional location, hired_on (YYYY-MM-DD). "
                    "UTF-8; the first line is the header.",
    )
    submit = SubmitField("Import")

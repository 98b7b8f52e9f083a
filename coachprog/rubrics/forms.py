"""Rubric forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class RubricUploadForm(FlaskForm):
    file = FileField(
        "Rubric file (YAML)",
        validators=[FileRequired("Choose a rubric file to upload."),
                    FileAllowed(["yaml", "yml"], "Upload the rubric as a .yaml file.")],
        description="The format of rubrics/*.yaml (see the format notes below); UTF-8, "
                    "at most 256 KB.",
    )
    submit = SubmitField("Upload and record")

"""Forms of the recordings workflow: a coaching session, an audio upload, a retry, and the
admins' supervisor assignments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from coachprog.assessments.forms import optional_int
from coachprog.validation import WholeNumberField

AUDIO_ACCEPT = ".wav,.flac,.mp3,.m4a,.aac,.ogg,.opus,.webm,audio/*"


class SessionForm(FlaskForm):
    session_date = DateField("Date of the session", validators=[Optional()])
    duration_minutes = WholeNumberField("Length in minutes", validators=[Optional()],
                                    description="How long the session lasted, e.g. 45.")
    submit = SubmitField("Add session")


class UploadForm(FlaskForm):
    file = FileField("Audio file", render_kw={"accept": AUDIO_ACCEPT},
                     description="WAV, FLAC, MP3, M4A/AAC, Ogg/Opus or WebM audio. The file "
                     "is checked by decoding it; a file that is not audio is refused.")
    submit = SubmitField("Upload recording")


class RetryForm(FlaskForm):
    submit = SubmitField("Try the transcription again")


class SupervisorForm(FlaskForm):
    coach_person_id = SelectField("Coach", coerce=optional_int, validate_choice=False)
    supervisor_user_id = SelectField("Supervisor (lead coach or master coach)",
                                     coerce=optional_int, validate_choice=False,
                                     description="The supervisor may play the coach's "
                                     "recordings and read their transcripts.")
    submit = SubmitField("Assign supervisor")


class UnassignForm(FlaskForm):
    submit = SubmitField("Remove")

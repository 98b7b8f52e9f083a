"""Peer-triad forms: forming a triad and logging a round. The services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Optional

from coachprog.practicum.triads import domain as rules
from coachprog.validation import WholeNumberField, parse_id


class TriadFormForm(FlaskForm):
    name = StringField("Triad name", render_kw={"maxlength": rules.MAX_NAME})
    partner_1 = SelectField("Second member", choices=[], validate_choice=False)
    partner_2 = SelectField("Third member", choices=[], validate_choice=False)


class TriadRoundForm(FlaskForm):
    day = DateField("Date", validators=[Optional()])
    at = TimeField("Start time", validators=[Optional()],
                   description="Local time; 09:00 if left empty.")
    minutes = WholeNumberField("Minutes", validators=[Optional()],
                           render_kw={"min": 1, "max": rules.MAX_MINUTES, "step": 5})
    coach = SelectField("Coach", choices=[], validate_choice=False)
    client = SelectField("Client", choices=[], validate_choice=False)
    observer = SelectField("Observer", choices=[], validate_choice=False,
                           description="The observer logs the round.")
    feedback = TextAreaField("Observer's feedback", description="A few sentences for the "
                             "coach: what worked, one thing to try.",
                             render_kw={"rows": 4, "maxlength": rules.MAX_FEEDBACK})


def int_or_none(value: str | None) -> int | None:
    return parse_id(value)

"""Practicum forms: the weekly log (several rows at once), correcting an entry, the
supervisor's verify/query, enrolment. The services check the rules; forms only parse."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from coachprog.practicum.ledger import domain
from coachprog.validation import WholeNumberField

KIND_CHOICES = [SelectChoice("", "— choose —"),
                *(SelectChoice(k, v) for k, v in domain.KIND_LABELS.items())]
ROLE_CHOICES = [SelectChoice("", "— triads only —"),
                *(SelectChoice(r, r.capitalize()) for r in domain.TRIAD_ROLES)]
LOG_ROWS = 5


class _EntryFields:
    """Fields shared by a log row and the correction form."""

    kind = SelectField("Activity", choices=KIND_CHOICES, validate_choice=False)
    day = DateField("Date", validators=[Optional()],
                    render_kw={"autocomplete": "off"})
    at = TimeField("Start time", validators=[Optional()],
                   description="Local time; 09:00 if left empty.")
    minutes = WholeNumberField("Minutes", validators=[Optional()],
                           render_kw={"min": 1, "max": domain.MAX_MINUTES, "step": 5})
    coachee = StringField("Coachee pseudonym", description="Coached sessions: a pseudonym "
                          "such as “Client A”, never a name.",
                          render_kw={"maxlength": 64})
    pro_bono = BooleanField("Pro bono")
    is_group = BooleanField("Group")
    group_size = WholeNumberField("Group size", validators=[Optional()],
                              render_kw={"min": 2, "max": domain.MAX_GROUP_SIZE})
    triad_role = SelectField("Triad role", choices=ROLE_CHOICES, validate_choice=False)


class EntryRowForm(_EntryFields, Form):
    """One row of the weekly log (no CSRF of its own: the outer form carries it)."""

    def is_blank(self) -> bool:
        return not (self.kind.data or self.day.data or self.minutes.data
                    or (self.coachee.data or "").strip())


class WeekLogForm(FlaskForm):
    rows = FieldList(FormField(EntryRowForm), min_entries=LOG_ROWS, max_entries=14)


class EntryCorrectForm(_EntryFields, FlaskForm):
    reply = TextAreaField("Your answer to the supervisor", render_kw={"rows": 3})


class EntryReviewForm(FlaskForm):
    decision = RadioField("Decision", choices=[SelectChoice("verify", "Verify: the hours count"),
                                               SelectChoice("query", "Query: ask the trainee")],
                          validate_choice=False)
    comment = TextAreaField("Comment", description="Required when you query the entry.",
                            render_kw={"rows": 3})


class EnrolForm(FlaskForm):
    person_id = SelectField("Appointed coach", choices=[], validate_choice=False)
    start_date = DateField("Practicum start", validators=[Optional()])
    program_id = SelectField("Program", choices=[], validate_choice=False)


def draft_fields(form: Any) -> dict[str, Any]:
    """The EntryDraft keyword arguments a form's fields give."""
    return {"kind": form.kind.data or "", "day": form.day.data, "at": form.at.data,
            "minutes": form.minutes.data, "coachee": form.coachee.data or "",
            "pro_bono": bool(form.pro_bono.data), "is_group": bool(form.is_group.data),
            "group_size": form.group_size.data, "triad_role": form.triad_role.data or ""}

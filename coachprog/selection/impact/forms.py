"""Forms of the candidate's demographic self-report. The choices come from
`demographics.ATTRIBUTES`; the service checks the answers (an unknown value gets a message next
to its question), so the fields accept any posted value."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from coachprog.selection.impact.demographics import (
    ATTRIBUTES,
    DEMOGRAPHICS_CONSENT_TEXT,
    PREFER_NOT_TO_SAY,
    PREFER_NOT_TO_SAY_ANSWER,
    Attribute,
)


def _choices(attribute: Attribute) -> list[SelectChoice]:
    return [*(SelectChoice(o.value, o.answer) for o in attribute.options),
            SelectChoice(PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_ANSWER)]


def _radio(key: str) -> Any:
    attribute = next(a for a in ATTRIBUTES if a.key == key)
    # validate_choice=False: a blank answer is allowed, and a bad one is refused by the service
    # with words next to the question rather than WTForms' "Not a valid choice".
    return RadioField(attribute.question, choices=_choices(attribute), validate_choice=False,
                      default="")


class DemographicsReportForm(FlaskForm):
    gender = _radio("gender")
    ethnicity = _radio("ethnicity")
    age_band = _radio("age_band")
    disability = _radio("disability")
    consent = BooleanField(DEMOGRAPHICS_CONSENT_TEXT)
    submit = SubmitField("Save my answers")

    def answers(self) -> dict[str, str | None]:
        return {attribute.key: getattr(self, attribute.key).data for attribute in ATTRIBUTES}

    def attribute_fields(self) -> list[tuple[Attribute, Any]]:
        return [(attribute, getattr(self, attribute.key)) for attribute in ATTRIBUTES]


class DemographicsWithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw and delete my answers")


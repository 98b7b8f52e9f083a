"""Charter and gate forms: text to numbers and dates; the rules are the services'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coachprog.coaching.forms import NumberField, PlainDateField, WholeNumberField
from coachprog.program.charter.domain import (
    CHECKLIST,
    GATE_METRICS,
    PHASE_LABELS,
    RESOURCE_MODELS,
)
from coachprog.program.roi.domain import ISOLATION_LABELS

REQUIRED = "Fill this in."


def _number(label: str, description: str = "", *, required: bool = True) -> NumberField:
    return NumberField(label, description=description,
                       validators=[InputRequired(REQUIRED) if required else Optional()])


class CharterForm(FlaskForm):
    title = StringField("Program name", validators=[InputRequired(REQUIRED), Length(max=200)])
    kpi_name = StringField(
        "Primary business KPI", validators=[InputRequired(REQUIRED), Length(max=200)],
        description="One KPI tied to a leader behaviour, e.g. approval_cycle_days. Imported "
        "tier 3 rows use this name as their metric.")
    kpi_unit = StringField("Unit", validators=[Length(max=64)],
                           description="e.g. days, % of team")
    behaviour = TextAreaField("Leader behaviour it reflects", validators=[Length(max=2000)])
    higher_is_better = BooleanField("A higher value is better")
    baseline = _number("Baseline")
    baseline_source = StringField("Baseline source", validators=[Length(max=300)])
    data_owner = StringField("Data owner", validators=[Length(max=200)])
    target_6m = _number("Target at 6 months")
    target_12m = _number("Target at 12 months")
    sponsor = StringField("Executive sponsor", validators=[InputRequired(REQUIRED),
                                                           Length(max=200)])
    resource_model = SelectField("Resource model", choices=[SelectChoice(k, v) for k, v
                                                            in RESOURCE_MODELS.items()])
    phase = SelectField("Phase", choices=[SelectChoice(p.value, label)
                                             for p, label in PHASE_LABELS.items()])
    pilot_start = PlainDateField(
        "Pilot start", validators=[Optional()],
        description="From this day the decision gates are locked: a change needs a reason.")
    cohort_size = WholeNumberField("Leaders in this phase", validators=[InputRequired(REQUIRED)],
                                   description="Pilot 20–50, expansion 100–300.")
    session_cap = WholeNumberField("Sessions per leader (cap)",
                                   validators=[InputRequired(REQUIRED), NumberRange(min=1)])
    protected_hours_per_week = _number("Protected coach hours per week")
    comparison_group = TextAreaField("Comparison group", validators=[Length(max=2000)],
                                     description="Who, matched on what, from which data.")
    isolation_method = SelectField("Isolation method",
                                   choices=[SelectChoice(m.value, label)
                                            for m, label in ISOLATION_LABELS.items()])
    currency = StringField("Currency", validators=[InputRequired(REQUIRED), Length(max=8)])
    training_cost = _number("Training cost")
    supervision_hours = _number("Supervision hours")
    supervision_rate = _number("Supervision cost per hour")
    platform_fees = _number("Platform fees")
    coaches = WholeNumberField("Coaches", validators=[InputRequired(REQUIRED),
                                                      NumberRange(min=0)])
    coach_time_share = _number("Coach time share (0.10–0.20)",
                               "The protected share of each coach's time: an opportunity cost.")
    coach_loaded_cost = _number("A coach's loaded cost per year")
    admin_hours = _number("L&D admin hours")
    admin_rate = _number("Admin cost per hour")
    cost_months = WholeNumberField("Months the cost covers",
                                   validators=[InputRequired(REQUIRED), NumberRange(min=1,
                                                                                   max=60)])
    value_per_unit = _number("Value of one KPI unit per leader per year",
                             "The monetisation rule's figure; low and high are its bounds.")
    value_low = _number("Value, lower bound")
    value_high = _number("Value, upper bound")
    benefit_months = WholeNumberField("Benefit months counted",
                                      validators=[InputRequired(REQUIRED),
                                                  NumberRange(min=1, max=12)],
                                      description="First-year benefits only: at most 12.")
    monetisation_rule = TextAreaField("Monetisation rule", validators=[Length(max=4000)])
    intangibles = TextAreaField("Intangibles (one a line, not monetised)",
                                validators=[Length(max=4000)])
    submit = SubmitField("Save the charter")


for _key, _label in CHECKLIST.items():
    setattr(CharterForm, f"check_{_key}", BooleanField(_label))

CRITERIA_HINT = ("One a line: measure >= number, stop < number (the stop part is optional). "
                 "Measures: " + ", ".join(GATE_METRICS) + ".")


class GateForm(FlaskForm):
    name = StringField("Gate", validators=[InputRequired(REQUIRED), Length(max=200)],
                       description="e.g. 3-month review, Pilot → expansion")
    due_on = PlainDateField("Due on", validators=[InputRequired(REQUIRED)])
    criteria = TextAreaField("Go / iterate / stop criteria", description=CRITERIA_HINT,
                             validators=[InputRequired(REQUIRED), Length(max=4000)])
    reason = TextAreaField("Reason for the change", validators=[Length(max=2000)],
                           description="Needed once the pilot has started; kept in the "
                           "gate's history.")
    submit = SubmitField("Save the gate")


class GateDecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=[SelectChoice("go", "Go"),
                                                SelectChoice("iterate", "Iterate"),
                                                SelectChoice("stop", "Stop")])
    reason = TextAreaField("Why", validators=[InputRequired(REQUIRED), Length(max=2000)])
    submit = SubmitField("Record the decision", render_kw={
        "data-confirm": "Record this decision? It stays in the gate's history."})

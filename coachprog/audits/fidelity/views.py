"""Fidelity pages: a coach's signals over time, labelled as prompts for human review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from coachprog.audits.fidelity import domain as fidelity
from coachprog.audits.fidelity import services as fidelity_services
from coachprog.audits.fidelity.models import FidelityDriftFlag
from coachprog.db import get_or_404
from coachprog.extensions import db
from coachprog.web import authorize, carry_out, no_store, rerender_status

bp = no_store(Blueprint("fidelity", __name__, url_prefix="/fidelity"))


class ResolveFlagForm(FlaskForm):
    note = TextAreaField(
        "Note", validators=[DataRequired("Write a note: what was discussed and what happens "
                                         "next."), Length(max=4000)],
        description="What you discussed with the coach and what happens next. The coach sees it.")
    submit = SubmitField("Resolve flag")


@bp.route("/")
@login_required
def index() -> Any:
    authorize("can_view_fidelity_signals")
    coaches = fidelity_services.visible_coaches(current_user)
    if len(coaches) == 1 and coaches[0].relation == "coach":
        return redirect(url_for("fidelity.coach", person_id=coaches[0].person_id))
    return render_template("fidelity/index.html", coaches=coaches)


def _coach_page(person_id: int, status: int = 200,
                forms: dict[int, ResolveFlagForm] | None = None) -> Any:
    data = fidelity_services.coach_fidelity(current_user, person_id)
    forms = dict(forms or {})
    for flag in data.flags:
        if flag.status == "open" and flag.id not in forms:
            forms[flag.id] = ResolveFlagForm(formdata=None, prefix=f"flag{flag.id}")
    db.session.commit()  # the refreshed cache, new flags and the audit entry of the view
    return render_template("fidelity/coach.html", data=data, forms=forms,
                           labels=fidelity.SIGNAL_LABELS), status


@bp.route("/coaches/<int:person_id>")
@login_required
def coach(person_id: int) -> Any:
    return _coach_page(person_id)


@bp.route("/flags/<int:flag_id>/resolve", methods=["POST"])
@login_required
def resolve_flag(flag_id: int) -> Any:
    flag = get_or_404(FidelityDriftFlag, flag_id, what="drift flag", actor=current_user,
                      rule="can_resolve_fidelity_flag")
    back = url_for("fidelity.coach", person_id=flag.coach_person_id)
    if flag.status != "open":
        flash("This flag is already resolved; its note is shown below.", "error")
        return redirect(back)
    form = ResolveFlagForm(prefix=f"flag{flag.id}")
    done = carry_out(form, lambda: fidelity_services.resolve_flag(
        current_user, flag.id, note=form.note.data or ""),
        done=back, success="Drift flag resolved; your note is kept with it.")
    return done or _coach_page(flag.coach_person_id, rerender_status(), forms={flag.id: form})

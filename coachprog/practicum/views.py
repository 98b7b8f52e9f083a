"""Practicum pages: the hours ledger, weekly logging, verification, progress and export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.authority import can
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.practicum import domain, services
from coachprog.practicum.forms import (
    EnrolForm,
    EntryCorrectForm,
    EntryReviewForm,
    WeekLogForm,
    draft_fields,
)
from coachprog.validation import parse_id
from coachprog.web import Pagination, apply_domain_error, authorize, no_store, page_arg

bp = Blueprint("practicum", __name__, url_prefix="/practicum")
no_store(bp)  # session content, evidence or assessments: never cached


def display_zone() -> str:
    return str(current_app.config.get("COACHPROG_DISPLAY_TIMEZONE") or "UTC")


@bp.app_template_filter("ledger_time")
def _ledger_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return domain.to_local(value, display_zone()).strftime(fmt)


@bp.route("/")
@login_required
def list_trainees() -> Any:
    if not can(current_user, "can_list_practicum_trainees"):
        person_id = getattr(current_user, "person_id", None)
        if person_id is not None and can(current_user, "can_log_practicum_entry", person_id):
            return redirect(url_for("practicum.view_ledger", person_id=person_id))
        raise NotPermitted("can_list_practicum_trainees")
    page, per_page = page_arg(), current_app.config["COACHPROG_PAGE_SIZE"]
    q = request.args.get("q", "").strip()[:100]
    rows, total = services.list_trainees(current_user, page=page, per_page=per_page, q=q)
    return render_template("practicum/trainee_list.html", rows=rows, q=q,
                           pagination=Pagination(page, per_page, total))


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol_trainee() -> Any:
    authorize("can_enrol_practicum_trainee")
    form = EnrolForm()
    form.person_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.employee_id})")
        for p in services.eligible_people()]
    form.program_id.choices = [
        SelectChoice(str(p.id), f"{p.name}: {p.coached_min:g}–{p.coached_max:g} coached h, "
         f"{p.lab_min:g}–{p.lab_max:g} lab h, {p.weeks_min}–{p.weeks_max} weeks")
        for p in services.list_programs()]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            raw_person, raw_program = form.person_id.data or "", form.program_id.data or ""
            try:
                row = services.enrol(
                    current_user, parse_id(raw_person),
                    start_date=form.start_date.data,
                    program_id=parse_id(raw_program))
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash("Enrolled: the coach can log their practicum now.", "success")
                return redirect(url_for("practicum.view_ledger", person_id=row.person_id))
    return render_template("practicum/enrol.html", form=form), status


@bp.route("/<int:person_id>/")
@login_required
def view_ledger(person_id: int) -> Any:
    progress = services.progress(current_user, person_id)
    return render_template("practicum/ledger.html", p=progress,
                           entries=services.list_entries(current_user, person_id),
                           zone=display_zone())


@bp.route("/<int:person_id>/log", methods=["GET", "POST"])
@login_required
def log_week(person_id: int) -> Any:
    person = services.get_trainee(current_user, person_id)
    authorize("can_log_practicum_entry", person_id)
    form = WeekLogForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            filled = [(i, row.form) for i, row in enumerate(form.rows) if not row.form.is_blank()]
            drafts = [services.EntryDraft(**draft_fields(f), zone=display_zone())
                      for _, f in filled]
            try:
                saved = services.log_entries(current_user, person_id, drafts)
            except services.LedgerRejected as error:
                db.session.rollback()
                for index, errors in error.row_errors.items():
                    sub = filled[index][1]
                    for name, text in errors.items():
                        field = getattr(sub, name, None) or sub.kind
                        field.errors = [*field.errors, text]
                flash(error.message, "error")
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                hours = sum(e.minutes for e in saved) / 60
                flash(f"Logged {len(saved)} entr{'y' if len(saved) == 1 else 'ies'} "
                      f"({hours:g} h); your supervisor will verify them.", "success")
                return redirect(url_for("practicum.view_ledger", person_id=person_id))
    return render_template("practicum/log_week.html", form=form, person=person,
                           enrolled=services.get_enrolment(person_id) is not None,
                           zone=display_zone()), status


@bp.route("/<int:person_id>/export.csv")
@login_required
def export_ledger(person_id: int) -> Any:
    services.get_trainee(current_user, person_id)
    body = services.export_csv(current_user, person_id)
    db.session.commit()  # the export is audited
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="icf-coaching-log-{person_id}.csv"'})


def _render_entry(entry: Any, *, review_form: EntryReviewForm | None = None,
                  correct_form: EntryCorrectForm | None = None, status: int = 200) -> Any:
    if correct_form is None:
        local = domain.to_local(entry.starts_at, display_zone())
        correct_form = EntryCorrectForm(
            formdata=None, kind=entry.kind, day=local.date(), at=local.time(),
            minutes=entry.minutes, coachee=entry.coachee_pseudonym or "",
            pro_bono=entry.pro_bono, is_group=entry.is_group, group_size=entry.group_size,
            triad_role=entry.triad_role or "")
    return render_template("practicum/entry.html", entry=entry,
                           review_form=review_form or EntryReviewForm(formdata=None),
                           correct_form=correct_form, zone=display_zone()), status


@bp.route("/entries/<int:entry_id>")
@login_required
def view_entry(entry_id: int) -> Any:
    return _render_entry(services.get_entry(current_user, entry_id))


@bp.route("/entries/<int:entry_id>/review", methods=["POST"])
@login_required
def review_entry(entry_id: int) -> Any:
    entry = services.get_entry(current_user, entry_id)
    authorize("can_verify_practicum_entry", entry)
    form = EntryReviewForm()
    if form.validate_on_submit():
        try:
            services.review_entry(current_user, entry_id, decision=form.decision.data or "",
                                  comment=form.comment.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            if not error.field_errors:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash("Entry verified: its hours count." if form.decision.data == "verify"
                  else "Entry queried: the trainee will answer.", "success")
            return redirect(url_for("practicum.view_ledger", person_id=entry.person_id))
    return _render_entry(services.get_entry(current_user, entry_id), review_form=form,
                         status=400)


@bp.route("/entries/<int:entry_id>/correct", methods=["POST"])
@login_required
def correct_entry(entry_id: int) -> Any:
    entry = services.get_entry(current_user, entry_id)
    authorize("can_correct_practicum_entry", entry)
    form = EntryCorrectForm()
    if form.validate_on_submit():
        try:
            services.correct_entry(current_user, entry_id,
                                   services.EntryDraft(**draft_fields(form), zone=display_zone()),
                                   reply=form.reply.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash("Entry corrected: it waits for verification again.", "success")
            return redirect(url_for("practicum.view_ledger", person_id=entry.person_id))
    return _render_entry(services.get_entry(current_user, entry_id), correct_form=form,
                         status=400)


# The capstone brief and peer-triad pages register their routes on this blueprint.
from coachprog.practicum import capstone_views, triad_views  # noqa: E402, F401

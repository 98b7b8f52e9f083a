"""Practicum pages: the hours ledger, weekly logging, verification, progress and export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.authority import can
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.practicum.blueprint import bp, display_zone
from coachprog.practicum.ledger import domain, export, services, trainees
from coachprog.practicum.ledger.forms import (
    EnrolForm,
    EntryCorrectForm,
    EntryReviewForm,
    WeekLogForm,
    draft_fields,
)
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.validation import parse_id
from coachprog.web import Pagination, authorize, carry_out, page_arg, rerender_status


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
    rows, total = trainees.list_trainees(current_user, page=page, per_page=per_page, q=q)
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
    done = carry_out(form, lambda: services.enrol(
        current_user, parse_id(form.person_id.data or ""), start_date=form.start_date.data,
        program_id=parse_id(form.program_id.data or "")),
        done=lambda row: url_for("practicum.view_ledger", person_id=row.person_id),
        success="Enrolled: the coach can log their practicum now.")
    return done or (render_template("practicum/enrol.html", form=form), rerender_status())


@bp.route("/<int:person_id>/")
@login_required
def view_ledger(person_id: int) -> Any:
    progress = trainees.progress(current_user, person_id)
    return render_template("practicum/ledger.html", p=progress,
                           entries=services.list_entries(current_user, person_id),
                           zone=display_zone())


@bp.route("/<int:person_id>/log", methods=["GET", "POST"])
@login_required
def log_week(person_id: int) -> Any:
    person = services.get_trainee(current_user, person_id)
    authorize("can_log_practicum_entry", person_id)
    form = WeekLogForm()

    def log() -> list[LedgerEntry]:
        filled = [row.form for row in form.rows if not row.form.is_blank()]
        drafts = [services.EntryDraft(**draft_fields(f), zone=display_zone()) for f in filled]
        try:
            return services.log_entries(current_user, person_id, drafts)
        except services.LedgerRejected as error:
            # Each refusal beside its row's field; the message above them all.
            for index, errors in error.row_errors.items():
                for name, text in errors.items():
                    field = getattr(filled[index], name, None) or filled[index].kind
                    field.errors = [*field.errors, text]
            raise

    def logged(saved: list[LedgerEntry]) -> str:
        hours = sum(e.minutes for e in saved) / 60
        return (f"Logged {len(saved)} entr{'y' if len(saved) == 1 else 'ies'} ({hours:g} h); "
                "your supervisor will verify them.")

    done = carry_out(form, log, success=logged,
                     done=url_for("practicum.view_ledger", person_id=person_id))
    return done or (render_template("practicum/log_week.html", form=form, person=person,
                                    enrolled=services.get_enrolment(person_id) is not None,
                                    zone=display_zone()), rerender_status())


@bp.route("/<int:person_id>/export.csv")
@login_required
def export_ledger(person_id: int) -> Any:
    services.get_trainee(current_user, person_id)
    body = export.export_csv(current_user, person_id)
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
    done = carry_out(form, lambda: services.review_entry(
        current_user, entry_id, decision=form.decision.data or "",
        comment=form.comment.data or ""),
        done=url_for("practicum.view_ledger", person_id=entry.person_id),
        success=lambda _: "Entry verified: its hours count." if form.decision.data == "verify"
        else "Entry queried: the trainee will answer.")
    return done or _render_entry(services.get_entry(current_user, entry_id), review_form=form,
                         status=400)


@bp.route("/entries/<int:entry_id>/correct", methods=["POST"])
@login_required
def correct_entry(entry_id: int) -> Any:
    entry = services.get_entry(current_user, entry_id)
    authorize("can_correct_practicum_entry", entry)
    form = EntryCorrectForm()
    done = carry_out(form, lambda: services.correct_entry(
        current_user, entry_id, services.EntryDraft(**draft_fields(form), zone=display_zone()),
        reply=form.reply.data or ""),
        done=url_for("practicum.view_ledger", person_id=entry.person_id),
        success="Entry corrected: it waits for verification again.")
    return done or _render_entry(services.get_entry(current_user, entry_id), correct_form=form,
                         status=400)

"""Audit pages: supervision structure, quarterly samples, audits, actions, coverage."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coachprog.audits import actions as corrective_actions
from coachprog.audits import coverage as audit_coverage
from coachprog.audits import domain, recording_access, services
from coachprog.audits.forms import (
    ActionForm,
    AssignForm,
    ChooseSessionForm,
    CloseActionForm,
    DecideForm,
    DrawForm,
    EventForm,
    ResolveForm,
    VerifyForm,
    choices,
)
from coachprog.audits.models import CorrectiveAction
from coachprog.audits.sampling import assignment
from coachprog.audits.sampling import domain as sampling_domain
from coachprog.audits.sampling import services as sampling_services
from coachprog.audits.sampling.eligibility import auditor_options
from coachprog.audits.structure import services as structure_services
from coachprog.authority import can
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.recordings.streaming import audio_response
from coachprog.validation import parse_int
from coachprog.web import (
    Pagination,
    authorize,
    carry_out,
    no_store,
    page_arg,
    rerender_status,
)

bp = no_store(Blueprint("audits", __name__, url_prefix="/audits"))


def _render_index(form: DrawForm | None = None, status: int = 200) -> Any:
    if form is None:
        form = DrawForm(formdata=None)
        form.quarter.data = sampling_services.current_quarter()
        form.percent.data = sampling_services.default_percent()
    return render_template("audits/index.html",
                           samples=sampling_services.list_samples(current_user),
                           form=form, loads=assignment.auditor_loads()), status


@bp.route("/")
@login_required
def index() -> Any:
    authorize("can_manage_audits")
    return _render_index()


@bp.route("/draw", methods=["POST"])
@login_required
def draw() -> Any:
    authorize("can_manage_audits")
    form = DrawForm()
    done = carry_out(form, lambda: sampling_services.draw(
        current_user, form.quarter.data or "", seed=form.seed.data,
        percent=form.percent.data, override_reason=form.override_reason.data or "",
        redraw_reason=form.redraw_reason.data or ""),
        done=lambda sample: url_for("audits.view_sample", sample_id=sample.id),
        success=lambda sample: f"Sample for {sample.quarter} drawn: {len(sample.drawn)} "
                               "coaches.")
    return done or _render_index(form, rerender_status())


POPULATION_PAGE_SIZE = 200


def _render_sample(sample: Any, verification: Any = None) -> Any:
    # A page of audits and of the population snapshot (a quarter of 2,000 coaches made a
    # 2.5 MB page): `?page=` and `?population_page=`. Reassigning is its own page, so the
    # auditor list is not repeated on every row.
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    page, population_page = page_arg(), page_arg("population_page")
    audits = sample.audits[(page - 1) * per_page:page * per_page]
    population = sample.population[(population_page - 1) * POPULATION_PAGE_SIZE:
                                   population_page * POPULATION_PAGE_SIZE]
    strata = {int(m["coach_id"]): sampling_domain.stratum_words(m["stratum"])
              for m in sample.population}
    return render_template("audits/sample.html", sample=sample, verification=verification,
                           verify_form=VerifyForm(formdata=None), audits=audits,
                           population=population, strata=strata, drawn=set(sample.drawn),
                           pagination=Pagination(page, per_page, len(sample.audits)),
                           population_pagination=Pagination(
                               population_page, POPULATION_PAGE_SIZE, len(sample.population)))


@bp.route("/samples/<int:sample_id>")
@login_required
def view_sample(sample_id: int) -> Any:
    authorize("can_manage_audits")
    return _render_sample(sampling_services.get_sample(current_user, sample_id))


@bp.route("/samples/<int:sample_id>/verify", methods=["POST"])
@login_required
def verify_sample(sample_id: int) -> Any:
    authorize("can_manage_audits")
    sample = sampling_services.get_sample(current_user, sample_id)
    if not VerifyForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("audits.view_sample", sample_id=sample_id))
    return _render_sample(sample, sampling_services.verify(current_user, sample_id))


@bp.route("/audits/<int:audit_id>/assign", methods=["GET", "POST"])
@login_required
def assign_auditor(audit_id: int) -> Any:
    authorize("can_manage_audits")
    form = AssignForm()
    audit = services.get_audit(current_user, audit_id)
    # Only the auditors the assignment would accept are offered; the page says why the
    # others are not.
    options = auditor_options(audit)
    form.auditor_user_id.choices = choices([
        (str(o.user.id), f"{o.user.display_name} ({o.open_audits} open)")
        for o in options.offered])
    if request.method == "GET":
        return render_template("audits/assign.html", audit=audit, form=form,
                               not_offered=options.not_offered)
    back = url_for("audits.view_sample", sample_id=audit.sample_id)
    chosen = form.auditor_user_id.data
    if chosen is not None and (done := carry_out(
            form, lambda: assignment.assign_auditor(current_user, audit_id, chosen),
            done=back, success="Auditor assigned.", refused=back)):
        return done
    flash("Choose an auditor.", "error")
    return redirect(back)


@bp.route("/mine")
@login_required
def mine() -> Any:
    authorize("can_view_audits")
    audits = services.my_audits(current_user)
    return render_template("audits/mine.html", audits=audits,
                           label=lambda a: domain.pseudonym(a.id))


def _owners(audit: Any) -> list[Any]:
    return choices([(str(uid), label)
                    for uid, label in corrective_actions.action_owner_choices(current_user, audit)])


def _render_audit(audit: Any, form: DecideForm | None = None,
                  action_form: ActionForm | None = None, status: int = 200) -> Any:
    sessions = services.sessions_for(audit)
    form = form or DecideForm(formdata=None)
    form.session_id.choices = choices([
        (str(s.id), f"{s.session_date:%Y-%m-%d} ({s.duration_minutes} min)") for s in sessions])
    action_form = action_form or ActionForm(formdata=None)
    action_form.owner_user_id.choices = _owners(audit)
    choose_form = ChooseSessionForm(formdata=None)
    choose_form.session_id.choices = form.session_id.choices
    return render_template(
        "audits/audit.html", audit=audit, label=services.coach_label(current_user, audit),
        owner_label=lambda act: corrective_actions.action_owner_label(current_user, audit, act),
        form=form, action_form=action_form, close_form=CloseActionForm(formdata=None),
        resolve_form=ResolveForm(formdata=None), sessions=sessions, outcomes=domain.OUTCOMES,
        kinds=domain.ACTION_KINDS, today=utcnow().date(),
        rubric=services.audit_rubric(), mark_errors=getattr(form, "mark_errors", []),
        overdue=domain.action_overdue, choose_form=choose_form,
        recordings=recording_access.audit_recordings(current_user, audit)), status


@bp.route("/audits/<int:audit_id>", methods=["GET", "POST"])
@login_required
def view_audit(audit_id: int) -> Any:
    audit = services.get_audit(current_user, audit_id)
    if request.method == "GET":
        page = _render_audit(audit)
        db.session.commit()  # reading the transcript under audit is audited
        return page
    authorize("can_conduct_audit", audit)
    form = DecideForm()
    form.session_id.choices = []

    def decide() -> Any:
        try:
            return services.decide(
                current_user, audit_id, session_id=form.session_id.data,
                observed=bool(form.observed.data), findings=form.findings.data or "",
                outcome=form.outcome.data or "",
                marks={k[5:]: v for k, v in request.form.items() if k.startswith("mark-")})
        except DomainError as error:
            # The marks are no field of the form: the page lists them beside the rubric.
            form.mark_errors = error.field_errors.get("marks", [])
            raise

    done = carry_out(form, decide, done=url_for("audits.view_audit", audit_id=audit_id),
                     success="Audit saved.")
    if done:
        return done
    page = _render_audit(audit, form=form, status=rerender_status())
    db.session.commit()  # only the audit-log entries of the transcript shown again
    return page


@bp.route("/audits/<int:audit_id>/session", methods=["POST"])
@login_required
def choose_session(audit_id: int) -> Any:
    audit = services.get_audit(current_user, audit_id)
    authorize("can_conduct_audit", audit)
    form = ChooseSessionForm()
    form.session_id.choices = []
    back = url_for("audits.view_audit", audit_id=audit_id)
    done = carry_out(form, lambda: services.choose_session(current_user, audit_id,
                                                           form.session_id.data),
                     done=back, success="Session chosen; its recording is on this page.",
                     refused=back)
    if done:
        return done
    flash("Choose a session.", "error")
    return redirect(back)


@bp.route("/audits/<int:audit_id>/recordings/<int:recording_id>/audio")
@login_required
def audit_audio(audit_id: int, recording_id: int) -> Any:
    audio = recording_access.open_audit_audio(current_user, audit_id, recording_id)
    db.session.commit()  # the open is audited
    return audio_response(audio)


@bp.route("/audits/<int:audit_id>/actions", methods=["POST"])
@login_required
def add_action(audit_id: int) -> Any:
    audit = services.get_audit(current_user, audit_id)
    authorize("can_manage_corrective_actions", audit)
    form = ActionForm()
    form.owner_user_id.choices = []
    done = carry_out(form, lambda: corrective_actions.add_action(
        current_user, audit_id, kind=form.kind.data or "",
        description=form.description.data or "", owner_user_id=form.owner_user_id.data,
        due_on=form.due_on.data),
        done=url_for("audits.view_audit", audit_id=audit_id), success="Corrective action added.")
    return done or _render_audit(audit, action_form=form, status=rerender_status())


@bp.route("/actions/<int:action_id>/close", methods=["POST"])
@login_required
def close_action(action_id: int) -> Any:
    action = get_or_404(CorrectiveAction, action_id, what="corrective action")
    authorize("can_manage_corrective_actions", action.audit)
    back = url_for("audits.view_audit", audit_id=action.audit_id)
    form = CloseActionForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(back)
    done = carry_out(None, lambda: corrective_actions.close_action(
        current_user, action_id, status=form.status.data or "", note=form.note.data or ""),
        done=back, success="Action closed.")
    return done or _render_audit(action.audit, status=rerender_status())


@bp.route("/audits/<int:audit_id>/resolve", methods=["POST"])
@login_required
def resolve_concern(audit_id: int) -> Any:
    authorize("can_manage_audits")
    audit = services.get_audit(current_user, audit_id)
    back = url_for("audits.view_audit", audit_id=audit_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return redirect(back)
    done = carry_out(None, lambda: services.resolve_concern(current_user, audit_id,
                                                            form.note.data or ""),
                     done=back, success="Serious concern resolved; matching is open again.")
    return done or _render_audit(audit, status=rerender_status())


TREE_FULL_LIMIT = 300


def _render_structure(form: EventForm | None = None, status: int = 200) -> Any:
    form = form or EventForm(formdata=None)
    events = structure_services.list_events(current_user)
    structure = structure_services.structure(current_user)
    # A large tree lists each lead's coaches on request (`?supervisor=<person id>`): 2,000
    # coaches in full made a 240 KB page. Small programmes still see everything.
    size = sum(1 + root.descendant_count() for root in structure.roots)
    return render_template("audits/structure.html", structure=structure,
                           events=events, form=form,
                           names=structure_services.attendee_names(events),
                           kinds=structure_services.EVENT_KINDS,
                           collapse=size > TREE_FULL_LIMIT,
                           expanded=parse_int(request.args.get("supervisor"))), status


@bp.route("/structure")
@login_required
def structure() -> Any:
    authorize("can_view_audit_structure")
    return _render_structure()


@bp.route("/events", methods=["POST"])
@login_required
def record_event() -> Any:
    authorize("can_manage_audits")
    form = EventForm()
    done = carry_out(form, lambda: structure_services.record_event(
        current_user, kind=form.kind.data or "", title=form.title.data or "",
        held_on=form.held_on.data, attendees=form.attendees.data or ""),
        done=url_for("audits.structure"), success="Event recorded.")
    return done or _render_structure(form, rerender_status())


@bp.route("/coverage")
@login_required
def coverage() -> Any:
    authorize("can_view_audit_coverage")
    quarter = request.args.get("quarter", "") or sampling_services.current_quarter()
    detail = can(current_user, "can_view_audit_coverage_detail")
    try:
        cov = audit_coverage.coverage(current_user, quarter, aggregates_only=not detail)
    except DomainError as error:
        return render_template("audits/coverage.html", cov=None, error=error.message,
                               quarter=quarter, chart=None), 400
    return render_template("audits/coverage.html", cov=cov, error=None, quarter=cov.quarter,
                           chart=_chart(cov), outcomes=domain.OUTCOMES)


def _chart(cov: audit_coverage.Coverage) -> dict[str, Any]:
    """Horizontal bars per group: sampled (light) and audited (dark)."""
    rows = [g for g in cov.groups if not g.suppressed]
    top = max([g.sampled for g in rows] + [1])
    bar_w = 300
    bars = [{"name": g.name, "y": 20 + i * 28,
             "sampled_w": round(bar_w * g.sampled / top), "audited_w":
             round(bar_w * g.audited / top), "sampled": g.sampled, "audited": g.audited}
            for i, g in enumerate(rows)]
    return {"width": 560, "height": 30 + 28 * max(len(rows), 1), "bars": bars, "left": 220}

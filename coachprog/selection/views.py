"""Selection sprint pages: sprints, the board, candidates, their evidence and the panel.

Every move on the board runs the same guarded service as the API (`services.advance_candidate`
and friends); a refused move comes back as a flash with the guard's reasons, a refused form as
errors next to its fields. Who sees what is `selection/permissions.py`: program staff see the
board and evidence, panel members the candidates who reached their panel, a candidate their own
candidacy in plain words (never scores, panel reasons or the recorded exit reason), a manager
only whether their nominee answered the invitation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.authority import can, registered
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.selection import domain, services
from coachprog.selection.conflicts import SeatConflict, sprint_conflicts
from coachprog.selection.domain import CandidateStage, PanelRole
from coachprog.selection.forms import (
    AdvanceForm,
    ApplicationForm,
    CloseSprintForm,
    HoursLogForm,
    InvitationResponseForm,
    NominationForm,
    PanelDecisionForm,
    PanelSeatForm,
    PracticeReviewForm,
    RejectForm,
    SprintForm,
    StageAssessmentForm,
    VerifyHoursForm,
    WithdrawForm,
    stage_field_name,
)
from coachprog.selection.invitation_links import sends_email
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.permissions import PANEL_VISIBLE_STAGES, panel_seat_of
from coachprog.validation import parse_id
from coachprog.web import apply_domain_error, authorize, csv_cell, no_store, safe_next

bp = Blueprint("selection", __name__, url_prefix="/sprints")
no_store(bp)  # session content, evidence or assessments: never cached

SELF_REPORT_ENDPOINT = "selection_impact.self_report"
OPEN_COLUMNS = tuple(s for s in domain.PIPELINE if not domain.is_final(s))
FINAL_COLUMNS = (CandidateStage.APPOINTED, CandidateStage.REJECTED, CandidateStage.WITHDRAWN)

# What the candidate reads about their own stage: where they are and what happens next, in
# plain words (no scores, no names of raters or panel members).
OWN_STAGE_WORDS: dict[CandidateStage, tuple[str, str]] = {
    CandidateStage.NOMINATED: (
        "You have been nominated and invited.",
        "Accept or decline through the link in your invitation e-mail; you become a candidate "
        "only by accepting."),
    CandidateStage.APPLIED: (
        "Your entry is in: you are a candidate.",
        "The L&D team reads every entry and invites candidates to a behavioural interview "
        "(about an hour)."),
    CandidateStage.INTERVIEW: (
        "You are at the behavioural interview.",
        "The L&D team proposes a time for your interview; afterwards the assessors' result "
        "decides whether you move on to the coaching simulations."),
    CandidateStage.SIMULATIONS: (
        "You are at the coaching simulations.",
        "Two short coaching conversations (a performance scenario and a transition scenario) "
        "in a half-day cohort session; the L&D team sends the details."),
    CandidateStage.SUPERVISED_PRACTICE: (
        "You are in shadowing and supervised practice.",
        "Coach under supervision and log your coached hours here: at least 8 hours verified "
        "by a supervisor (12 is the target), and a supervisor reviews one of your sessions."),
    CandidateStage.PANEL: (
        "Your evidence is with the calibration panel.",
        "Three panel members decide on appointment; the L&D team tells you the outcome."),
    CandidateStage.APPOINTED: (
        "You are appointed as an internal coach. Congratulations!",
        "Before any coaching work, three documents are needed: the time-allocation agreement "
        "with your manager, the coachee consent template and your role profile. The L&D team "
        "guides you through them."),
}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"self_report_url": self_report_url, "stage_label": stage_label,
            "panel_role_labels": domain.PANEL_ROLE_LABELS}


def stage_label(stage: str | CandidateStage) -> str:
    return domain.STAGE_LABELS[CandidateStage(stage)]


def self_report_url(candidate: Candidate) -> str | None:
    """The optional fairness-monitoring self-report, once that page exists and is the
    candidate's to fill in (another package owns it; until it lands the link is left out)."""
    if SELF_REPORT_ENDPOINT not in current_app.view_functions:
        return None
    if "can_self_report_demographics" not in registered() or not can(
            current_user, "can_self_report_demographics", candidate):
        return None
    return url_for(SELF_REPORT_ENDPOINT, sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)


# --- loading ------------------------------------------------------------------------------


def _in_sprint(candidate: Candidate, sprint_id: int) -> Candidate:
    # The URL names the sprint: a candidate of another sprint is not found here, so a link can
    # never mix one sprint's page with another's candidate.
    if candidate.sprint_id != sprint_id:
        raise NotFound("candidate")
    return candidate


def _candidate(sprint_id: int, candidate_id: int, rule: str = "can_view_candidate") -> Candidate:
    return _in_sprint(services.load_candidate(current_user, candidate_id, rule), sprint_id)


def _viewable_candidate(sprint_id: int, candidate_id: int) -> Candidate:
    """The candidate for someone who may see their page: staff and panel (evidence pack) or
    the candidate themselves (their own view)."""
    try:
        candidate = services.load_candidate(current_user, candidate_id)
    except NotPermitted:
        candidate = services.load_candidate(current_user, candidate_id, "can_view_own_candidacy")
    return _in_sprint(candidate, sprint_id)


def _panel_candidate(sprint_id: int, candidate_id: int) -> Candidate:
    """The candidate for a decision: whoever may read the pack, or a member seated on the
    candidate's panel (a conflicted one is then refused in words, not with a bare 403)."""
    try:
        return _candidate(sprint_id, candidate_id)
    except NotPermitted:
        candidate = _candidate(sprint_id, candidate_id, "can_sit_on_panel_for")
        if candidate.furthest_stage not in PANEL_VISIBLE_STAGES or \
                not services.panel_conflict(current_user, candidate):
            raise
        return candidate


def _refuse_stale(could: bool, message: str, back: str) -> Any:
    """A rule that also depends on the stage: someone who would be allowed at the right stage
    (an old page, a double click) gets the reason; anyone else the 403 page."""
    if not could:
        raise NotPermitted("selection")
    flash(message, "error")
    return redirect(back)


def _back(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def _carry_out(form: Any, action: Callable[[], Any], *, back: str, refused: str, done: str,
               then: Callable[[Any], str] | None = None) -> Any | None:
    """One service call for a posted form: on success commit, flash `done` and redirect (to
    `then(result)` or `back`); a refusal without field errors is flashed after `refused` with
    a redirect; field errors go beside the fields and None asks the caller to re-render the
    page with 400."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        if not error.field_errors:
            flash(f"{refused} {error.message}", "error")
            return redirect(back)
        apply_domain_error(form, error)
        return None
    db.session.commit()
    flash(done, "success")
    return redirect(then(result) if then else back)


def _board_url(sprint_id: int) -> str:
    return url_for("selection.view_sprint", sprint_id=sprint_id)


def _candidate_url(candidate: Candidate) -> str:
    return url_for("selection.view_candidate", sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)


def _mine_url(candidate: Candidate) -> str:
    return url_for("selection.my_candidacy", sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)


def _own_page(origin: str | None, candidate: Candidate) -> bool:
    """Whether a form came from the candidate's own page (rather than the staff page)."""
    if not can(current_user, "can_view_candidate", candidate):
        return True
    return origin == "mine" and can(current_user, "can_view_own_candidacy", candidate)


# --- sprints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SprintRow:
    sprint: Sprint
    starts: date
    ends: date
    appointed: int
    open_candidates: int
    late: bool


def _sprint_row(sprint: Sprint) -> SprintRow:
    windows = services.calendar(sprint)
    return SprintRow(
        sprint=sprint, starts=windows[0].start, ends=windows[-1].end,
        appointed=sum(c.stage == CandidateStage.APPOINTED.value for c in sprint.candidates),
        open_candidates=sum(not domain.is_final(c.stage) for c in sprint.candidates),
        late=bool(services.lateness(sprint)))


@bp.route("/")
@login_required
def list_sprints() -> Any:
    sprints = [_sprint_row(s) for s in services.list_sprints(current_user)]
    open_sprints = (services.list_open_sprints() if can(current_user, "can_enter_sprints")
                    else [])
    return render_template(
        "selection/sprint_list.html", sprints=sprints, open_sprints=open_sprints,
        entry_windows={s.id: services.window_of(s, domain.SprintStage.NOMINATION_APPLICATION)
                       for s in open_sprints},
        candidacies=services.list_my_candidacies(current_user))


def _draft(form: SprintForm) -> services.SprintDraft:
    return services.SprintDraft(
        name=form.name.data or "", capacity=form.capacity.data, start_date=form.start_date.data,
        eligibility_notes=form.eligibility_notes.data or "", stage_days=form.stage_days())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_sprint() -> Any:
    authorize("can_manage_sprints")
    form = SprintForm()
    if request.method == "GET":
        form.start_date.data = services.today()
    if form.validate_on_submit():
        try:
            sprint = services.create_sprint(current_user, _draft(form))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(f"Sprint “{sprint.name}” created. Seat its panel next.", "success")
            return redirect(_board_url(sprint.id))
    status = 400 if request.method == "POST" else 200
    return render_template("selection/sprint_form.html", form=form, sprint=None), status


@bp.route("/<int:sprint_id>/edit", methods=["GET", "POST"])
@login_required
def edit_sprint(sprint_id: int) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    form = SprintForm()
    if request.method == "GET":
        form.name.data, form.capacity.data = sprint.name, sprint.capacity
        form.start_date.data, form.eligibility_notes.data = (sprint.start_date,
                                                             sprint.eligibility_notes)
        for default in domain.STAGE_DEFAULTS:
            days = (sprint.stage_days or {}).get(default.stage.value, default.days)
            getattr(form, stage_field_name(default.stage)).data = int(days)
    if form.validate_on_submit():
        try:
            services.update_sprint(current_user, sprint, _draft(form))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash("The sprint is saved.", "success")
            return redirect(_board_url(sprint_id))
    status = 400 if request.method == "POST" else 200
    return render_template("selection/sprint_form.html", form=form, sprint=sprint), status


@bp.route("/<int:sprint_id>/close", methods=["POST"])
@login_required
def close_sprint(sprint_id: int) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    if CloseSprintForm().validate_on_submit():
        try:
            services.close_sprint(current_user, sprint)
        except DomainError as error:
            db.session.rollback()
            flash(f"The sprint stays open: {error.message}", "error")
        else:
            db.session.commit()
            flash("The sprint is closed: no more entries or moves.", "success")
    return redirect(_board_url(sprint_id))


@dataclass(frozen=True)
class TimelineRow:
    window: domain.StageWindow
    effort: str
    state: str  # done | current | upcoming


def _timeline(sprint: Sprint, today: date) -> list[TimelineRow]:
    effort = {d.stage: d.effort for d in domain.STAGE_DEFAULTS}
    rows = []
    for window in services.calendar(sprint):
        state = ("done" if window.end < today else
                 "current" if window.start <= today else "upcoming")
        rows.append(TimelineRow(window, effort[window.stage], state))
    return rows


@dataclass(frozen=True)
class FunnelBar:
    label: str
    count: int
    conversion: float | None
    percent: int  # bar length against the first row


def _funnel(sprint: Sprint) -> list[FunnelBar]:
    rows = services.funnel(sprint)
    widest = max((r.count for r in rows), default=0) or 1
    return [FunnelBar(r.label, r.count, r.conversion, round(r.count / widest * 100))
            for r in rows]


@dataclass(frozen=True)
class Card:
    candidate: Candidate
    missing: list[str]
    next_stage: CandidateStage | None


def _card(candidate: Candidate) -> Card:
    return Card(candidate, services.what_is_missing(candidate), services.next_stage(candidate))


@dataclass(frozen=True)
class Seat:
    role: PanelRole
    label: str
    member: Any
    choices: list[Any]
    not_offered: list[tuple[Any, str]]  # (user, why) holding the role but conflicted
    conflicts: list[SeatConflict]  # this seat's member against the sprint's candidates


def _seats(sprint: Sprint, found: list[SeatConflict]) -> list[Seat]:
    members = {m.panel_role: m.user for m in sprint.panel}
    choices: dict[str, Any] = {}
    not_offered: dict[str, Any] = {}
    if can(current_user, "can_manage_sprints"):
        choices, not_offered = services.panel_seat_choices(sprint)
    return [Seat(role, domain.PANEL_ROLE_LABELS[role], members.get(role.value),
                 list(choices.get(role.value, ())), list(not_offered.get(role.value, ())),
                 [c for c in found if c.panel_role == role.value]) for role in PanelRole]


@bp.route("/<int:sprint_id>")
@login_required
def view_sprint(sprint_id: int) -> Any:
    sprint = services.load_board(current_user, sprint_id)
    today = services.today()
    if not can(current_user, "can_view_sprints"):
        # A panel member outside program staff: only the candidates who reached the panel.
        visible = [c for c in sprint.candidates if can(current_user, "can_view_candidate", c)]
        reached = {c.id for c in sprint.candidates if c.furthest_stage in PANEL_VISIBLE_STAGES}
        mine = [c for c in sprint_conflicts(sprint)
                if c.member_id == current_user.id and c.candidate_id in reached]
        return render_template("selection/sprint_panel.html", sprint=sprint,
                               candidates=visible, conflicts=mine,
                               timeline=_timeline(sprint, today), today=today)
    found = sprint_conflicts(sprint)
    columns = services.board(sprint)
    return render_template(
        "selection/sprint_view.html", sprint=sprint, today=today,
        timeline=_timeline(sprint, today), late=services.lateness(sprint, today),
        funnel=_funnel(sprint), seats=_seats(sprint, found), conflicts=found,
        conflicted={c.candidate_id: c for c in found},
        seats_left=services.seats_left(sprint),
        open_columns=[(stage, [_card(c) for c in columns[stage]]) for stage in OPEN_COLUMNS],
        final_columns=[(stage, columns[stage]) for stage in FINAL_COLUMNS],
        close_form=CloseSprintForm(formdata=None))


@bp.route("/<int:sprint_id>/panel/<seat>", methods=["POST"])
@login_required
def seat_panel_member(sprint_id: int, seat: str) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    form = PanelSeatForm()
    if form.validate_on_submit():
        raw = (form.user_id.data or "").strip()
        user_id = parse_id(raw)
        try:
            member = services.seat_panel_member(current_user, sprint, seat, user_id,
                                                reason=form.reason.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(f"The panel is unchanged: {error.message}", "error")
        else:
            name, label = member.user.display_name, domain.PANEL_ROLE_LABELS[PanelRole(seat)]
            db.session.commit()
            flash(f"{name} sits on the panel as {label}.", "success")
    return redirect(_board_url(sprint_id) + "#panel")


@bp.route("/<int:sprint_id>/export.csv")
@login_required
def export_board(sprint_id: int) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    rows = services.export_board(current_user, sprint)
    db.session.commit()  # the export is audited
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=services.EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=sprint-{sprint_id}-board.csv",
        "Cache-Control": "no-store"})


# --- moves on the board ----------------------------------------------------------------------


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/advance", methods=["POST"])
@login_required
def advance_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _in_sprint(services.get_candidate(current_user, candidate_id,
                                                  "can_manage_sprints"), sprint_id)
    back = _back(_board_url(sprint_id))
    form = AdvanceForm()
    name = candidate.person.name
    if not form.validate_on_submit():
        flash("The move was not understood; reload the page and try again.", "error")
        return redirect(back)
    target = form.target.data or ""
    try:
        services.advance_candidate(current_user, candidate, target)
    except DomainError as error:
        db.session.rollback()
        flash(f"{name} was not moved. {error.message}", "error")
    else:
        db.session.commit()
        if target == CandidateStage.APPOINTED.value:
            flash(f"{name} is appointed. Next: draw up their paperwork and assign a supervisor "
                  "(Recordings → Supervisors); the home page reminds you until both are done.",
                  "success")
        else:
            flash(f"{name} moved to {stage_label(target).lower()}.", "success")
    return redirect(back)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/reject", methods=["POST"])
@login_required
def reject_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _candidate(sprint_id, candidate_id)
    authorize("can_manage_sprints", candidate)
    back = _back(_candidate_url(candidate))
    form = RejectForm()
    name = candidate.person.name
    if form.validate_on_submit():
        response = _carry_out(
            form, lambda: services.reject_candidate(current_user, candidate,
                                                    form.reason.data or ""),
            back=back, refused=f"{name} was not rejected.",
            done=f"{name} is rejected. They are told in neutral words; your reason stays "
                 "with L&D and the panel.")
        if response is not None:
            return response
    return _candidate_page(_candidate(sprint_id, candidate_id), 400, reject_form=form)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@login_required
def withdraw_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _viewable_candidate(sprint_id, candidate_id)
    form = WithdrawForm()
    own = _own_page(form.origin.data, candidate)
    back = _back(_mine_url(candidate) if own else _candidate_url(candidate))
    if not can(current_user, "can_withdraw_candidacy", candidate):
        could = (can(current_user, "can_view_own_candidacy", candidate)
                 or can(current_user, "can_manage_sprints", candidate))
        return _refuse_stale(could, "This candidacy has already ended; there is nothing to "
                             "withdraw.", back)
    if form.validate_on_submit():
        response = _carry_out(
            form, lambda: services.withdraw_candidate(current_user, candidate,
                                                      form.reason.data or ""),
            back=back, refused="The candidacy was not withdrawn.",
            done="The candidacy is withdrawn." if own else
            f"{candidate.person.name}'s candidacy is withdrawn.")
        if response is not None:
            return response
    reloaded = _viewable_candidate(sprint_id, candidate_id)
    if own:
        return _mine_page(reloaded, 400, withdraw_form=form)
    return _candidate_page(reloaded, 400, withdraw_form=form)


# --- the candidate page ----------------------------------------------------------------------


def _purpose_choices(candidate: Candidate) -> list[SelectChoice]:
    """The stage assessments that may be created now: the current stage's, not yet linked."""
    linked = {link.purpose for link in candidate.assessments}
    needed = {CandidateStage.INTERVIEW.value: [domain.INTERVIEW_RUBRIC_ID],
              CandidateStage.SIMULATIONS.value: list(domain.SIMULATION_RUBRICS)}
    return [SelectChoice(p, services.STAGE_ASSESSMENT_PURPOSES[p])
            for p in needed.get(candidate.stage, []) if p not in linked]


@dataclass(frozen=True)
class PanelLine:
    label: str
    member: Any
    decision: Any
    conflict: str  # why the seat's member may not act for this candidate, or ""


def _panel_lines(candidate: Candidate) -> list[PanelLine]:
    members = {m.panel_role: m.user for m in candidate.sprint.panel}
    decisions = {d.panel_role: d for d in candidate.panel_decisions}
    conflicted = {c.panel_role: c.words for c in sprint_conflicts(candidate.sprint)
                  if c.candidate_id == candidate.id}
    return [PanelLine(domain.PANEL_ROLE_LABELS[role], members.get(role.value),
                      decisions.get(role.value), conflicted.get(role.value, ""))
            for role in PanelRole]


def _decision_form(candidate: Candidate) -> PanelDecisionForm:
    form = PanelDecisionForm(formdata=None)
    seat = panel_seat_of(current_user, candidate.sprint)
    mine = next((d for d in candidate.panel_decisions if d.panel_role == seat), None)
    if mine is not None:
        form.verdict.data, form.reasons.data = mine.verdict, mine.reasons
    return form


def _form(forms: dict[str, Any], name: str, make: Any) -> Any:
    """The posted form coming back with its errors, or a fresh one."""
    posted = forms.get(name)
    return make() if posted is None else posted


def _candidate_page(candidate: Candidate, status: int = 200, **forms: Any) -> Any:
    assessment_form = _form(forms, "assessment_form", lambda: StageAssessmentForm(formdata=None))
    assessment_form.purpose.choices = [SelectChoice("", "— choose —"),
                                       *_purpose_choices(candidate)]
    outcome = services.panel_outcome(candidate) if candidate.panel_decisions else None
    return render_template(
        "selection/candidate_view.html", candidate=candidate, sprint=candidate.sprint,
        lines=services.assessment_lines(candidate), hours=services.hours_summary(candidate),
        missing=services.what_is_missing(candidate), next_stage=services.next_stage(candidate),
        panel=_panel_lines(candidate), outcome=outcome,
        my_seat=panel_seat_of(current_user, candidate.sprint),
        assessment_form=assessment_form,
        reject_form=_form(forms, "reject_form", lambda: RejectForm(formdata=None)),
        withdraw_form=_form(forms, "withdraw_form", lambda: WithdrawForm(formdata=None)),
        hours_form=_form(forms, "hours_form", lambda: HoursLogForm(formdata=None)),
        review_form=_form(forms, "review_form", lambda: PracticeReviewForm(formdata=None)),
        decision_form=_form(forms, "decision_form", lambda: _decision_form(candidate)),
        verify_form=VerifyHoursForm(formdata=None),
    ), status


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>")
@login_required
def view_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _in_sprint(services.open_evidence_pack(current_user, candidate_id), sprint_id)
    db.session.commit()  # the audit entry of this opening
    return _candidate_page(candidate)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/assessments", methods=["POST"])
@login_required
def create_stage_assessment(sprint_id: int, candidate_id: int) -> Any:
    candidate = _candidate(sprint_id, candidate_id)
    authorize("can_manage_sprints", candidate)
    form = StageAssessmentForm()
    back = _candidate_url(candidate)
    if form.validate_on_submit():
        response = _carry_out(
            form, lambda: services.create_stage_assessment(current_user, candidate,
                                                           form.purpose.data or ""),
            back=back, refused="No assessment was created.",
            done="The assessment is created. Assign its raters here; when it closes with a "
                 "pass, the candidate can move on.",
            then=lambda assessment: url_for("assessments.view_assessment",
                                            assessment_id=assessment.id))
        if response is not None:
            return response
    return _candidate_page(_candidate(sprint_id, candidate_id), 400, assessment_form=form)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/hours", methods=["POST"])
@login_required
def log_hours(sprint_id: int, candidate_id: int) -> Any:
    candidate = _viewable_candidate(sprint_id, candidate_id)
    form = HoursLogForm()
    own = _own_page(form.origin.data, candidate)
    back = _mine_url(candidate) if own else _candidate_url(candidate)
    if not can(current_user, "can_log_practice_hours", candidate):
        could = (can(current_user, "can_view_own_candidacy", candidate)
                 or can(current_user, "can_view_sprints"))
        return _refuse_stale(could, "Coached hours are logged while the candidate is in "
                             "supervised practice.", back)
    if form.validate_on_submit():
        try:
            entry = services.log_practice_hours(
                current_user, candidate, session_date=form.session_date.data,
                minutes=form.minutes.data, note=form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            minutes = entry.minutes
            db.session.commit()
            flash(f"{minutes} minutes logged; a supervisor verifies them before they count.",
                  "success")
            return redirect(back)
    reloaded = _viewable_candidate(sprint_id, candidate_id)
    if own:
        return _mine_page(reloaded, 400, hours_form=form)
    return _candidate_page(reloaded, 400, hours_form=form)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/hours/<int:entry_id>/verify",
          methods=["POST"])
@login_required
def verify_hours(sprint_id: int, candidate_id: int, entry_id: int) -> Any:
    candidate = _candidate(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    back = _candidate_url(candidate) + "#hours"
    if VerifyHoursForm().validate_on_submit():
        try:
            entry = services.verify_practice_hours(current_user, candidate, entry_id)
        except DomainError as error:
            db.session.rollback()
            flash(f"The hours are not verified. {error.message}", "error")
        else:
            minutes = entry.minutes
            db.session.commit()
            flash(f"{minutes} minutes verified; they now count towards the 8-hour minimum.",
                  "success")
    return redirect(back)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/reviews", methods=["POST"])
@login_required
def record_review(sprint_id: int, candidate_id: int) -> Any:
    candidate = _candidate(sprint_id, candidate_id)
    authorize("can_supervise_practice", candidate)
    form = PracticeReviewForm()
    back = _candidate_url(candidate) + "#reviews"
    if form.validate_on_submit():
        response = _carry_out(
            form, lambda: services.record_practice_review(
                current_user, candidate, title=form.title.data or "",
                notes=form.notes.data or "", link=form.link.data or ""),
            back=back, refused="The review is not recorded.", done="Your review is recorded.")
        if response is not None:
            return response
    return _candidate_page(_candidate(sprint_id, candidate_id), 400, review_form=form)


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/decision", methods=["POST"])
@login_required
def record_panel_decision(sprint_id: int, candidate_id: int) -> Any:
    candidate = _panel_candidate(sprint_id, candidate_id)
    conflict = services.panel_conflict(current_user, candidate)
    if conflict:
        # Refused in words on the panel page: the member may not open this candidate's pack.
        flash(f"Your decision is not recorded. {conflict}", "error")
        return redirect(_board_url(sprint_id))
    back = _candidate_url(candidate) + "#panel"
    if not can(current_user, "can_record_panel_decision", candidate):
        could = panel_seat_of(current_user, candidate.sprint) is not None
        return _refuse_stale(could, "Panel decisions are recorded while the candidate is at "
                             "the calibration panel stage.", back)
    form = PanelDecisionForm()
    if form.validate_on_submit():
        try:
            services.record_panel_decision(current_user, candidate,
                                           verdict=form.verdict.data or "",
                                           reasons=form.reasons.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash("Your decision is recorded. You can replace it until the candidate moves "
                  "on.", "success")
            return redirect(back)
    return _candidate_page(_candidate(sprint_id, candidate_id), 400, decision_form=form)


# --- the candidate's own view --------------------------------------------------------------


def _mine_page(candidate: Candidate, status: int = 200, **forms: Any) -> Any:
    stage = CandidateStage(candidate.stage)
    notice = (domain.candidate_notice(stage, candidate.sprint.name)
              if stage in domain.EXITS else None)
    hours_form = _form(forms, "hours_form", lambda: HoursLogForm(formdata=None))
    hours_form.origin.data = "mine"
    withdraw_form = _form(forms, "withdraw_form", lambda: WithdrawForm(formdata=None))
    withdraw_form.origin.data = "mine"
    return render_template(
        "selection/candidacy_mine.html", candidate=candidate, sprint=candidate.sprint,
        words=OWN_STAGE_WORDS.get(stage), notice=notice,
        timeline=_timeline(candidate.sprint, services.today()),
        hours=services.hours_summary(candidate), hours_form=hours_form,
        withdraw_form=withdraw_form), status


@bp.route("/<int:sprint_id>/candidates/<int:candidate_id>/mine")
@login_required
def my_candidacy(sprint_id: int, candidate_id: int) -> Any:
    return _mine_page(_candidate(sprint_id, candidate_id, "can_view_own_candidacy"))


# --- entries -----------------------------------------------------------------------------------


def _own_entry(sprint: Sprint) -> Candidate | None:
    return next((c for c in services.list_my_candidacies(current_user)
                 if c.sprint_id == sprint.id), None)


@bp.route("/<int:sprint_id>/apply", methods=["GET", "POST"])
@login_required
def apply(sprint_id: int) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_enter_sprints")
    existing = _own_entry(sprint)
    if existing is not None:
        flash("You already have an entry in this sprint; this is where it stands.", "info")
        return redirect(_mine_url(existing))
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            candidate = services.apply(current_user, sprint, text=form.text.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            if not error.field_errors:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash("Your application is in: you are a candidate in this sprint.", "success")
            return redirect(_mine_url(candidate))
    posted = request.method == "POST"
    return render_template(
        "selection/application_form.html", sprint=sprint, form=form,
        entries_open=services.entries_open(sprint), today=services.today(),
        window=services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION),
        words=domain.word_count(form.text.data or "") if posted else None,
    ), 400 if posted else 200


@bp.route("/<int:sprint_id>/nominate", methods=["GET", "POST"])
@login_required
def nominate(sprint_id: int) -> Any:
    sprint = services.get_sprint(current_user, sprint_id, "can_enter_sprints")
    people, already = services.nominee_choices(current_user, sprint)
    form = NominationForm()
    form.nominee_employee_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(p.employee_id,
                     f"{p.name} — {p.title or 'no title'}, {p.department or 'no department'}")
        for p in people]
    if form.validate_on_submit():
        try:
            entry = services.nominate(current_user, sprint,
                                      nominee_employee_id=form.nominee_employee_id.data or "",
                                      why=form.why.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            if not error.field_errors:
                flash(error.message, "error")
        else:
            name = entry.candidate.person.name
            db.session.commit()
            # The invitation link goes to the nominee alone: it is their credential.
            if sends_email():
                flash(f"{name} is nominated and invited by e-mail to accept or decline. This "
                      "page shows when they answer.", "success")
            else:
                flash(f"{name} is nominated. This site sends no e-mail, so L&D gives them "
                      "their invitation link to accept or decline. This page shows when they "
                      "answer.", "success")
            return redirect(url_for("selection.my_nominations"))
    return render_template(
        "selection/nomination_form.html", sprint=sprint, form=form, people=people,
        already=already, entries_open=services.entries_open(sprint), today=services.today(),
        window=services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION),
    ), 400 if request.method == "POST" else 200


@bp.route("/nominations")
@login_required
def my_nominations() -> Any:
    nominations = services.list_my_nominations(current_user)
    return render_template("selection/nomination_list.html", rows=[
        (c, services.nomination_status(c)) for c in nominations])


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    # No sign-in: the link's token is the credential (nominees may have no account yet).
    candidate = services.invitation_by_token(token)
    form = InvitationResponseForm()
    status = 200
    if form.validate_on_submit():
        if not (form.accept.data or form.decline.data):
            flash("Choose Accept or Decline.", "error")
            status = 400
        else:
            accepted = bool(form.accept.data)
            try:
                answered = services.respond_to_invitation(token, accept=accepted,
                                                          reason=form.reason.data or "")
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
                status = 400
            else:
                sprint_name = answered.sprint.name
                db.session.commit()
                return _private(render_template("selection/invitation_answered.html",
                                                accepted=accepted, sprint_name=sprint_name))
    elif request.method == "POST":
        status = 400
    sprint = candidate.sprint
    return _private(render_template(
        "selection/invitation_view.html", candidate=candidate, sprint=sprint, form=form,
        token=token, timeline=_timeline(sprint, services.today()),
        window=services.window_of(sprint, domain.SprintStage.NOMINATION_APPLICATION)), status)


def _private(body: str, status: int = 200) -> Any:
    """A page reached through a secret link: never indexed, never cached."""
    response = make_response(body, status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response

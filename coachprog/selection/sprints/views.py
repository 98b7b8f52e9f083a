"""Sprint pages: the list, creating, editing and closing a sprint, the board (timeline,
lateness, funnel, a capped column per stage, the panel and its conflicts), the paginated
candidate list and the board export. Routes: `selection/blueprint.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.panel import domain as panel_domain
from coachprog.selection.panel import services as panel_services
from coachprog.selection.panel.conflicts import SeatConflict, sprint_conflicts
from coachprog.selection.panel.domain import PanelRole
from coachprog.selection.sprints import services as sprint_services
from coachprog.selection.sprints.forms import CloseSprintForm, SprintForm, stage_field_name
from coachprog.web import (
    Pagination,
    authorize,
    carry_out,
    csv_download,
    page_arg,
    rerender_status,
    search_arg,
)

OPEN_COLUMNS = tuple(s for s in domain.PIPELINE if not domain.is_final(s))
FINAL_COLUMNS = (CandidateStage.APPOINTED, CandidateStage.REJECTED, CandidateStage.WITHDRAWN)


def board_url(sprint_id: int) -> str:
    return url_for("selection.view_sprint", sprint_id=sprint_id)


T = TypeVar("T")


@dataclass(frozen=True)
class SprintRow:
    sprint: Sprint
    starts: date
    ends: date
    appointed: int
    open_candidates: int
    late: bool


def _sprint_row(sprint: Sprint) -> SprintRow:
    windows = sprint_services.calendar(sprint)
    return SprintRow(
        sprint=sprint, starts=windows[0].start, ends=windows[-1].end,
        appointed=sum(c.stage == CandidateStage.APPOINTED.value for c in sprint.candidates),
        open_candidates=sum(not domain.is_final(c.stage) for c in sprint.candidates),
        late=bool(sprint_services.lateness(sprint)))


@login_required
def list_sprints() -> Any:
    sprints = [_sprint_row(s) for s in sprint_services.list_sprints(current_user)]
    open_sprints = (sprint_services.list_open_sprints() if can(current_user, "can_enter_sprints")
                    else [])
    return render_template(
        "selection/sprint_list.html", sprints=sprints, open_sprints=open_sprints,
        entry_windows={s.id: sprint_services.window_of(s, domain.SprintStage.NOMINATION_APPLICATION)
                       for s in open_sprints},
        candidacies=entry_services.list_my_candidacies(current_user))


def _draft(form: SprintForm) -> sprint_services.SprintDraft:
    return sprint_services.SprintDraft(
        name=form.name.data or "", capacity=form.capacity.data, start_date=form.start_date.data,
        eligibility_notes=form.eligibility_notes.data or "", stage_days=form.stage_days())


def prefixed(prefix: str, action: Callable[[], T]) -> Callable[[], T]:
    """`action`, its refusal told after `prefix` ("The sprint stays open: …"): what a button
    form's flash says happened, with the service's reason."""
    def run() -> T:
        try:
            return action()
        except DomainError as error:
            raise DomainError(f"{prefix} {error.message}",
                              field_errors=error.field_errors) from error
    return run


@login_required
def create_sprint() -> Any:
    authorize("can_manage_sprints")
    form = SprintForm()
    if request.method == "GET":
        form.start_date.data = sprint_services.today()
    return _save_sprint(form, None, lambda draft: sprint_services.create_sprint(
        current_user, draft), done=lambda sprint: board_url(sprint.id),
        success=lambda sprint: f"Sprint “{sprint.name}” created. Seat its panel next.")


def _save_sprint(form: SprintForm, sprint: Sprint | None,
                 save: Callable[[sprint_services.SprintDraft], Sprint], *,
                 done: str | Callable[[Sprint], str],
                 success: str | Callable[[Sprint], str]) -> Any:
    """Create or edit: the sprint form carried out, or shown again (`sprint`: the one being
    edited) with its problems."""
    return carry_out(form, lambda: save(_draft(form)), done=done, success=success) or (
        render_template("selection/sprint_form.html", form=form, sprint=sprint),
        rerender_status())


@login_required
def edit_sprint(sprint_id: int) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    form = SprintForm()
    if request.method == "GET":
        form.name.data, form.capacity.data = sprint.name, sprint.capacity
        form.start_date.data, form.eligibility_notes.data = (sprint.start_date,
                                                             sprint.eligibility_notes)
        for default in domain.STAGE_DEFAULTS:
            days = (sprint.stage_days or {}).get(default.stage.value, default.days)
            getattr(form, stage_field_name(default.stage)).data = int(days)
    return _save_sprint(form, sprint, lambda draft: sprint_services.update_sprint(
        current_user, sprint, draft), done=board_url(sprint_id), success="The sprint is saved.")


@login_required
def close_sprint(sprint_id: int) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    board = board_url(sprint_id)
    done = carry_out(CloseSprintForm(),
                     prefixed("The sprint stays open:",
                              lambda: sprint_services.close_sprint(current_user, sprint)),
                     done=board, success="The sprint is closed: no more entries or moves.",
                     refused=board)
    return done or redirect(board)


@dataclass(frozen=True)
class TimelineRow:
    window: domain.StageWindow
    effort: str
    state: str  # done | current | upcoming


def timeline_rows(sprint: Sprint, today: date) -> list[TimelineRow]:
    effort = {d.stage: d.effort for d in domain.STAGE_DEFAULTS}
    rows = []
    for window in sprint_services.calendar(sprint):
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
    rows = sprint_services.funnel(sprint)
    widest = max((r.count for r in rows), default=0) or 1
    return [FunnelBar(r.label, r.count, r.conversion, round(r.count / widest * 100))
            for r in rows]


@dataclass(frozen=True)
class Card:
    candidate: Candidate
    missing: list[str]
    next_stage: CandidateStage | None


def _card(candidate: Candidate) -> Card:
    return Card(candidate, candidate_services.what_is_missing(candidate),
                candidate_services.next_stage(candidate))


# The board names this many conflicted (seat, candidate) pairs; the rest are a link away.
CONFLICTS_ON_BOARD = 20


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
        choices, not_offered = panel_services.panel_seat_choices(sprint)
    return [Seat(role, panel_domain.PANEL_ROLE_LABELS[role], members.get(role.value),
                 list(choices.get(role.value, ())), list(not_offered.get(role.value, ())),
                 [c for c in found if c.panel_role == role.value]) for role in PanelRole]


@login_required
def view_sprint(sprint_id: int) -> Any:
    sprint = sprint_services.load_board(current_user, sprint_id)
    today = sprint_services.today()
    if not can(current_user, "can_view_sprints"):
        # A panel member outside program staff: only the candidates who reached the panel.
        listed = sprint_services.panel_list(sprint)
        visible = [c for c in listed if can(current_user, "can_view_candidate", c)]
        reached = {c.id for c in listed}
        mine = [c for c in sprint_conflicts(sprint)
                if c.member_id == current_user.id and c.candidate_id in reached]
        return render_template("selection/sprint_panel.html", sprint=sprint,
                               candidates=visible, conflicts=mine,
                               timeline=timeline_rows(sprint, today), today=today)
    found = sprint_conflicts(sprint)
    columns = sprint_services.board(sprint)
    totals = sprint_services.stage_tally(sprint).at
    return render_template(
        "selection/sprint_view.html", sprint=sprint, today=today,
        timeline=timeline_rows(sprint, today), late=sprint_services.lateness(sprint, today),
        funnel=_funnel(sprint), seats=_seats(sprint, found),
        conflicts=found[:CONFLICTS_ON_BOARD], conflicts_total=len(found),
        conflicted={c.candidate_id: c for c in found},
        seats_left=sprint_services.seats_left(sprint), totals=totals,
        open_columns=[(stage, [_card(c) for c in columns[stage]]) for stage in OPEN_COLUMNS],
        final_columns=[(stage, columns[stage]) for stage in FINAL_COLUMNS],
        close_form=CloseSprintForm(formdata=None))


@login_required
def list_candidates(sprint_id: int) -> Any:
    """Every candidate of the sprint, a page at a time, by stage and name: where a board
    column ends ("Show all")."""
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_view_sprints")
    raw_stage = request.args.get("stage", "")
    # An unknown stage is ignored, like every list's unknown filter: all stages are listed.
    stage = next((s for s in CandidateStage if s.value == raw_stage), None)
    q = search_arg()
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    candidates, total, page = sprint_services.list_sprint_candidates(
        current_user, sprint, stage=stage, q=q, page=page_arg(), per_page=per_page)
    return render_template(
        "selection/candidate_list.html", sprint=sprint, stage=stage, q=q,
        stages=list(CandidateStage), cards=[_card(c) for c in candidates],
        pagination=Pagination(page, per_page, total))


def _conflict_matches(conflict: SeatConflict, q: str) -> bool:
    words = q.casefold()
    return words in conflict.member_name.casefold() or words in conflict.candidate_name.casefold()


@login_required
def list_conflicts(sprint_id: int) -> Any:
    """Every conflicted (seat, candidate) pair of the sprint, a page at a time, searchable by
    member or candidate: where the board's table of conflicted seats ends."""
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_view_sprints")
    q = search_arg()
    found = [c for c in sprint_conflicts(sprint) if not q or _conflict_matches(c, q)]
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    # Past the last page: the last page, as on the candidate list.
    page = min(page_arg(), Pagination(1, per_page, len(found)).pages)
    pagination = Pagination(page, per_page, len(found))
    conflicts = found[(page - 1) * per_page:page * per_page]
    return render_template("selection/conflict_list.html", sprint=sprint, q=q,
                           conflicts=conflicts, pagination=pagination)


@login_required
def export_board(sprint_id: int) -> Any:
    sprint = sprint_services.get_sprint(current_user, sprint_id, "can_manage_sprints")
    rows = candidate_services.export_board(current_user, sprint)
    db.session.commit()  # the export is audited
    return csv_download(rows, candidate_services.EXPORT_COLUMNS,
                        f"sprint-{sprint_id}-board.csv")

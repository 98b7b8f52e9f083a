"""A candidate's pages: the evidence pack and its forms, guarded moves (advance, reject,
withdraw), stage assessments, and the candidate's own view in plain words (never scores, panel
reasons or the recorded exit reason). Routes: `selection/blueprint.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.authority import can
from coachprog.errors import NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.selection import domain
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.candidates.forms import (
    AdvanceForm,
    RejectForm,
    StageAssessmentForm,
    WithdrawForm,
)
from coachprog.selection.domain import CandidateStage
from coachprog.selection.models import Candidate
from coachprog.selection.panel import domain as panel_domain
from coachprog.selection.panel import services as panel_services
from coachprog.selection.panel.conflicts import sprint_conflicts
from coachprog.selection.panel.domain import PanelRole
from coachprog.selection.panel.forms import PanelDecisionForm
from coachprog.selection.permissions import PANEL_VISIBLE_STAGES, panel_seat_of
from coachprog.selection.practice import services as practice_services
from coachprog.selection.practice.forms import HoursLogForm, PracticeReviewForm, VerifyHoursForm
from coachprog.selection.sprints import services as sprint_services
from coachprog.selection.sprints.views import board_url, prefixed, timeline_rows
from coachprog.web import (
    authorize,
    carry_out,
    safe_next,
)

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


def _in_sprint(candidate: Candidate, sprint_id: int) -> Candidate:
    # The URL names the sprint: a candidate of another sprint is not found here, so a link can
    # never mix one sprint's page with another's candidate.
    if candidate.sprint_id != sprint_id:
        raise NotFound("candidate")
    return candidate


def candidate_for(sprint_id: int, candidate_id: int, rule: str = "can_view_candidate") -> Candidate:
    return _in_sprint(candidate_services.load_candidate(current_user, candidate_id, rule),
                      sprint_id)


def viewable_candidate(sprint_id: int, candidate_id: int) -> Candidate:
    """The candidate for someone who may see their page: staff and panel (evidence pack) or
    the candidate themselves (their own view)."""
    try:
        candidate = candidate_services.load_candidate(current_user, candidate_id)
    except NotPermitted:
        candidate = candidate_services.load_candidate(current_user, candidate_id,
                                                      "can_view_own_candidacy")
    return _in_sprint(candidate, sprint_id)


def panel_candidate(sprint_id: int, candidate_id: int) -> Candidate:
    """The candidate for a decision: whoever may read the pack, or a member seated on the
    candidate's panel (a conflicted one is then refused in words, not with a bare 403)."""
    try:
        return candidate_for(sprint_id, candidate_id)
    except NotPermitted:
        candidate = candidate_for(sprint_id, candidate_id, "can_sit_on_panel_for")
        if candidate.furthest_stage not in PANEL_VISIBLE_STAGES or \
                not panel_services.panel_conflict(current_user, candidate):
            raise
        return candidate


def refuse_stale(could: bool, message: str, back: str) -> Any:
    """A rule that also depends on the stage: someone who would be allowed at the right stage
    (an old page, a double click) gets the reason; anyone else the 403 page."""
    if not could:
        raise NotPermitted("selection")
    flash(message, "error")
    return redirect(back)


def _back(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def carry_out_or_back(form: Any, action: Callable[[], Any], *, back: str, refused: str, done: str,
               then: Callable[[Any], str] | None = None) -> Any | None:
    """`web.carry_out` for the candidate page's forms: a refusal with problems beside the
    fields asks the caller (None) to show the page again with 400; any other refusal is told
    after `refused` and goes back to `back`, where the page shows no hidden form to fix."""
    response = carry_out(form, prefixed(refused, action), done=then or back, success=done)
    if response is None and not any(field.errors for field in form):
        return redirect(back)
    return response


def candidate_url(candidate: Candidate) -> str:
    return url_for("selection.view_candidate", sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)


def mine_url(candidate: Candidate) -> str:
    return url_for("selection.my_candidacy", sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)


def own_page(origin: str | None, candidate: Candidate) -> bool:
    """Whether a form came from the candidate's own page (rather than the staff page)."""
    if not can(current_user, "can_view_candidate", candidate):
        return True
    return origin == "mine" and can(current_user, "can_view_own_candidacy", candidate)


@login_required
def advance_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _in_sprint(candidate_services.get_candidate(current_user, candidate_id,
                                                  "can_manage_sprints"), sprint_id)
    back = _back(board_url(sprint_id))
    form = AdvanceForm()
    name = candidate.person.name
    if not form.validate_on_submit():
        flash("The move was not understood; reload the page and try again.", "error")
        return redirect(back)
    target = form.target.data or ""

    def moved(_: Candidate) -> str:
        if target == CandidateStage.APPOINTED.value:
            return (f"{name} is appointed. Next: draw up their paperwork and assign a supervisor "
                    "(Recordings → Supervisors); the home page reminds you until both are done.")
        return f"{name} moved to {domain.STAGE_LABELS[CandidateStage(target)].lower()}."

    done = carry_out(form, prefixed(f"{name} was not moved.", lambda: candidate_services
                                    .advance_candidate(current_user, candidate, target)),
                     done=back, refused=back, success=moved)
    return done or redirect(back)


@login_required
def reject_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_manage_sprints", candidate)
    back = _back(candidate_url(candidate))
    form = RejectForm()
    name = candidate.person.name
    if form.validate_on_submit():
        response = carry_out_or_back(
            form, lambda: candidate_services.reject_candidate(current_user, candidate,
                                                    form.reason.data or ""),
            back=back, refused=f"{name} was not rejected.",
            done=f"{name} is rejected. They are told in neutral words; your reason stays "
                 "with L&D and the panel.")
        if response is not None:
            return response
    return candidate_page(candidate_for(sprint_id, candidate_id), 400, reject_form=form)


@login_required
def withdraw_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = viewable_candidate(sprint_id, candidate_id)
    form = WithdrawForm()
    own = own_page(form.origin.data, candidate)
    back = _back(mine_url(candidate) if own else candidate_url(candidate))
    if not can(current_user, "can_withdraw_candidacy", candidate):
        could = (can(current_user, "can_view_own_candidacy", candidate)
                 or can(current_user, "can_manage_sprints", candidate))
        return refuse_stale(could, "This candidacy has already ended; there is nothing to "
                            "withdraw.", back)
    if form.validate_on_submit():
        response = carry_out_or_back(
            form, lambda: candidate_services.withdraw_candidate(current_user, candidate,
                                                      form.reason.data or ""),
            back=back, refused="The candidacy was not withdrawn.",
            done="The candidacy is withdrawn." if own else
            f"{candidate.person.name}'s candidacy is withdrawn.")
        if response is not None:
            return response
    reloaded = viewable_candidate(sprint_id, candidate_id)
    if own:
        return mine_page(reloaded, 400, withdraw_form=form)
    return candidate_page(reloaded, 400, withdraw_form=form)


def _purpose_choices(candidate: Candidate) -> list[SelectChoice]:
    """The stage assessments that may be created now: the current stage's, not yet linked."""
    linked = {link.purpose for link in candidate.assessments}
    needed = {CandidateStage.INTERVIEW.value: [domain.INTERVIEW_RUBRIC_ID],
              CandidateStage.SIMULATIONS.value: list(domain.SIMULATION_RUBRICS)}
    return [SelectChoice(p, candidate_services.STAGE_ASSESSMENT_PURPOSES[p])
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
    return [PanelLine(panel_domain.PANEL_ROLE_LABELS[role], members.get(role.value),
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


def candidate_page(candidate: Candidate, status: int = 200, **forms: Any) -> Any:
    assessment_form = _form(forms, "assessment_form", lambda: StageAssessmentForm(formdata=None))
    assessment_form.purpose.choices = [SelectChoice("", "— choose —"),
                                       *_purpose_choices(candidate)]
    outcome = candidate_services.panel_outcome(candidate) if candidate.panel_decisions else None
    return render_template(
        "selection/candidate_view.html", candidate=candidate, sprint=candidate.sprint,
        lines=candidate_services.assessment_lines(candidate),
        hours=practice_services.hours_summary(candidate),
        missing=candidate_services.what_is_missing(candidate),
        next_stage=candidate_services.next_stage(candidate),
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


@login_required
def view_candidate(sprint_id: int, candidate_id: int) -> Any:
    candidate = _in_sprint(candidate_services.open_evidence_pack(current_user, candidate_id),
                           sprint_id)
    db.session.commit()  # the audit entry of this opening
    return candidate_page(candidate)


@login_required
def create_stage_assessment(sprint_id: int, candidate_id: int) -> Any:
    candidate = candidate_for(sprint_id, candidate_id)
    authorize("can_manage_sprints", candidate)
    form = StageAssessmentForm()
    back = candidate_url(candidate)
    if form.validate_on_submit():
        response = carry_out_or_back(
            form, lambda: candidate_services.create_stage_assessment(current_user, candidate,
                                                           form.purpose.data or ""),
            back=back, refused="No assessment was created.",
            done="The assessment is created. Assign its raters here; when it closes with a "
                 "pass, the candidate can move on.",
            then=lambda assessment: url_for("assessments.view_assessment",
                                            assessment_id=assessment.id))
        if response is not None:
            return response
    return candidate_page(candidate_for(sprint_id, candidate_id), 400, assessment_form=form)


def mine_page(candidate: Candidate, status: int = 200, **forms: Any) -> Any:
    stage = CandidateStage(candidate.stage)
    notice = (candidate_domain.candidate_notice(stage, candidate.sprint.name)
              if stage in domain.EXITS else None)
    hours_form = _form(forms, "hours_form", lambda: HoursLogForm(formdata=None))
    hours_form.origin.data = "mine"
    withdraw_form = _form(forms, "withdraw_form", lambda: WithdrawForm(formdata=None))
    withdraw_form.origin.data = "mine"
    return render_template(
        "selection/candidacy_mine.html", candidate=candidate, sprint=candidate.sprint,
        words=OWN_STAGE_WORDS.get(stage), notice=notice,
        timeline=timeline_rows(candidate.sprint, sprint_services.today()),
        hours=practice_services.hours_summary(candidate), hours_form=hours_form,
        withdraw_form=withdraw_form), status


@login_required
def my_candidacy(sprint_id: int, candidate_id: int) -> Any:
    return mine_page(candidate_for(sprint_id, candidate_id, "can_view_own_candidacy"))

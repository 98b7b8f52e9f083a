"""What each role sees first. Each panel is computed from live data; later domains add theirs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can
from coachprog.coaching.models import CoachPaperwork, Engagement, SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.glossary import humanise, role_names
from coachprog.governance.domain import suppress_small_groups
from coachprog.governance.models import AuditEntry
from coachprog.home.models import HomeDismissal
from coachprog.jobs.models import Job
from coachprog.panels import Item, Panel, panel_sources
from coachprog.people.models import Person
from coachprog.people.services import reporting_line_cte
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.recordings.consent.services import current_consent
from coachprog.recordings.review.services import open_flag_count
from coachprog.selection.domain import STAGE_LABELS, CandidateStage, SprintStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate, CoachedHoursEntry, SprintPanelMember
from coachprog.selection.sprints import services as sprint_services


def attention_for(user: Any) -> list[Panel]:
    panels: list[Panel] = []
    if can(user, "can_view_program_overview"):
        panels.append(_admin_panel())
    if can(user, "can_view_team_overview"):
        panels.append(_manager_panel(user))
    if can(user, "can_view_org_aggregates"):
        panels.append(_sponsor_panel())
    if can(user, "can_list_assessments"):
        panels.append(_assessment_panel(user))
    flags = _flags_item(user)
    if flags is not None:
        panels.append(Panel("Recorded sessions", [flags]))
    selection_panel = _selection_panel(user)
    if selection_panel.items:
        panels.append(selection_panel)
    for source in panel_sources():
        if (panel := source(user)) is not None:
            panels.append(panel)
    panels.append(_account_panel(user))
    hidden = set(db.session.scalars(sa.select(HomeDismissal.key).where(
        HomeDismissal.user_id == user.id)))
    for panel in panels:
        # An item that counts nothing needs no attention ("0 1:1 supervisions overdue"):
        # every source's zero-count items go here, not in each source.
        panel.items = [item for item in panel.items
                       if (item.key not in hidden or not item.key) and item.count != 0]
    return panels


def dismiss_item(user: Any, key: str) -> None:
    """Hide one attention item for this user (the view commits). Hiding twice is harmless."""
    key = key.strip()[:128]
    if not key:
        raise DomainError("Nothing to hide was named.")
    exists = db.session.scalar(sa.select(HomeDismissal.id).where(
        HomeDismissal.user_id == user.id, HomeDismissal.key == key))
    if exists is None:
        db.session.add(HomeDismissal(user_id=user.id, key=key))
        db.session.flush()


def _count(query: sa.Select[Any]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _admin_panel() -> Panel:
    panel = Panel("Program administration")
    active = _count(sa.select(Person.id).where(Person.active.is_(True)))
    if active == 0:
        panel.items.append(Item("No people yet: import the HRIS export to start.",
                                "/people/import", level="warn"))
    else:
        panel.items.append(Item("active people in the directory", "/people/", active))
    no_manager = _count(sa.select(Person.id).where(Person.active.is_(True),
                                                   Person.manager_id.is_(None)))
    if active and no_manager > 1:
        panel.items.append(Item("active people have no manager on record (more than the top "
                                "of the organisation)", "/people/", no_manager, "warn"))
    roleless = _count(sa.select(User.id).where(User.is_active.is_(True),
                                               ~User.role_grants.any()))
    if roleless:
        panel.items.append(Item("accounts hold no role and can use almost nothing",
                                "/admin/users", roleless, "warn", key=f"roleless:{roleless}"))
    since = utcnow() - timedelta(days=7)
    # A failed job stops mattering once a later job of the same kind succeeded (e.g. the people
    # import that was fixed and run again).
    later = sa.orm.aliased(Job)
    failed_jobs = db.session.scalars(
        sa.select(Job).where(Job.status == "failed", Job.created_at >= since,
                             ~sa.exists().where(later.kind == Job.kind,
                                                later.status == "succeeded",
                                                later.id > Job.id))
        .order_by(Job.id.desc()).limit(5)
    ).all()
    for job in failed_jobs:
        panel.items.append(Item(f"{humanise(job.kind)} failed: {job.error}",
                                f"/jobs/{job.id}", level="warn", key=f"job-failed:{job.id}"))
    failed_logins = _count(sa.select(AuditEntry.id).where(
        AuditEntry.action == "auth.login_failed", AuditEntry.occurred_at >= utcnow()
        - timedelta(hours=24)))
    if failed_logins >= 10:
        panel.items.append(Item("failed sign-ins in the last 24 hours",
                                "/admin/audit?action=auth.login_failed", failed_logins, "warn",
                                key=f"failed-sign-ins:{utcnow().date()}:{failed_logins}"))
    return panel


def _manager_panel(user: Any) -> Panel:
    panel = Panel("Your team")
    if user.person_id is None:
        panel.items.append(Item("Your account is not linked to your directory record; ask an "
                                "L&D admin to link it.", level="warn"))
        return panel
    # The same people, counted the same way, as the People list shows this manager.
    line = _count(sa.select(Person.id).where(
        Person.id.in_(sa.select(reporting_line_cte(user.person_id).c.id)),
        Person.active.is_(True)))
    panel.items.append(Item("active person in your reporting line" if line == 1
                            else "active people in your reporting line", "/people/", line))
    return panel


def _sponsor_panel() -> Panel:
    rows = db.session.execute(
        sa.select(Person.department, sa.func.count(Person.id))
        .where(Person.active.is_(True), Person.department != "",
               # Aggregates leave out whoever opted out of analytics.
               Person.id.not_in(opted_out_ids(OptOutKind.ANALYTICS)))
        .group_by(Person.department)
    ).all()
    panel = Panel("Organisation at a glance (aggregates)",
                  empty="No directory data yet.")
    panel.groups = suppress_small_groups(dict(rows))
    return panel


def _assessment_panel(user: Any) -> Panel:
    """Scoring work waiting for this user: their open assignments, gold marks to record, and
    (for master coaches) assessments waiting for moderation."""
    panel = Panel("Assessments", empty="Nothing to score or moderate right now.")
    waiting = (
        sa.select(RaterAssignment.role, sa.func.count(RaterAssignment.id))
        .join(Assessment, Assessment.id == RaterAssignment.assessment_id)
        .where(RaterAssignment.rater_id == user.id, RaterAssignment.status != "submitted",
               Assessment.status != "closed")
        .group_by(RaterAssignment.role)
    )
    counts = dict(db.session.execute(waiting).all())
    if counts.get("rater"):
        panel.items.append(Item("assessments to score", "/assessments/", counts["rater"]))
    if counts.get("gold"):
        panel.items.append(Item("calibration items waiting for your gold marks",
                                "/calibration/", counts["gold"]))
    if counts.get("moderator"):
        panel.items.append(Item("agreed marks to record as moderator", "/assessments/",
                                counts["moderator"]))
    if can(user, "can_moderate_assessment"):
        in_moderation = _count(sa.select(Assessment.id).where(Assessment.status == "moderation"))
        if in_moderation:
            panel.items.append(Item("assessments waiting for moderation",
                                    "/assessments/?status=moderation", in_moderation, "warn"))
    return panel


def _flags_item(user: Any) -> Item | None:
    """Sensitive-topic flags on sessions of coaches this master coach supervises."""
    count = open_flag_count(user)
    if not count:
        return None
    return Item("sensitive-topic flags on sessions you supervise wait for a human look",
                url_for("transcripts.list_flags"), count, "warn")


def _selection_panel(user: Any) -> Panel:
    """Selection sprints and coaching paperwork: what this user can do or must do next."""
    panel = Panel("Selection sprints and coaching")
    if can(user, "can_manage_sprints"):
        for sprint in sprint_services.list_sprints(user, status="open"):
            late = sprint_services.lateness(sprint)
            if late:
                panel.items.append(Item(f"{sprint.name}: {late[0].stage.message}",
                                        url_for("selection.view_sprint", sprint_id=sprint.id),
                                        level="warn"))
    if can(user, "can_manage_recordings"):
        # Appointment is where supervision starts: prompt until each appointed coach has one.
        unsupervised = _count(sa.select(Candidate.person_id).distinct().where(
            Candidate.stage == CandidateStage.APPOINTED.value,
            ~sa.exists().where(SupervisorAssignment.coach_person_id == Candidate.person_id)))
        if unsupervised:
            panel.items.append(Item("appointed coaches have no supervisor yet: assign one",
                                    url_for("recordings.supervisors"), unsupervised, "warn"))
    if can(user, "can_supervise_practice"):
        waiting = _count(sa.select(CoachedHoursEntry.id).join(Candidate).where(
            CoachedHoursEntry.verified_by_id.is_(None),
            Candidate.stage == "supervised_practice"))
        if waiting:
            panel.items.append(Item("practice-hour entries waiting for a supervisor's "
                                    "verification", url_for("selection.list_sprints"), waiting))
    to_decide = db.session.scalars(
        sa.select(Candidate).options(joinedload(Candidate.person)).join(SprintPanelMember,
                                  SprintPanelMember.sprint_id == Candidate.sprint_id)
        .where(SprintPanelMember.user_id == user.id, Candidate.stage == "panel",
               ~Candidate.panel_decisions.any(member_id=user.id))).all()
    for candidate in to_decide:
        panel.items.append(Item(f"Panel decision to record: {candidate.person.name}",
                                url_for("selection.view_candidate", sprint_id=candidate.sprint_id,
                                        candidate_id=candidate.id)))
    if user.person_id is None:
        return panel
    for sprint in sprint_services.list_open_sprints():
        window = sprint_services.window_of(sprint, SprintStage.NOMINATION_APPLICATION)
        panel.items.append(Item(f"{sprint.name} takes nominations and applications until "
                                f"{window.end.isoformat()}",
                                url_for("selection.list_sprints")))
    for candidate in entry_services.list_my_candidacies(user):
        if candidate.stage == "nominated":
            continue  # the invitation e-mail carries the link to answer
        stage = STAGE_LABELS[CandidateStage(candidate.stage)]
        panel.items.append(Item(f"Your candidacy in {candidate.sprint.name}: {stage}",
                                url_for("selection.my_candidacy", sprint_id=candidate.sprint_id,
                                        candidate_id=candidate.id)))
    coached = db.session.scalars(sa.select(Engagement).options(joinedload(Engagement.coach))
                                 .where(Engagement.coachee_person_id == user.person_id,
                                        Engagement.status == "active")).all()
    for engagement in coached:
        given = current_consent(engagement.id) is not None
        panel.items.append(Item(
            f"Your coaching with {engagement.coach.name}: consent for recorded sessions "
            f"({'given — you can change or withdraw it' if given else 'not given'})",
            url_for("consent.engagement_consent", engagement_id=engagement.id)))
    unsigned = db.session.scalars(sa.select(CoachPaperwork).options(
        joinedload(CoachPaperwork.coach)).where(
        CoachPaperwork.protected_percent.is_not(None), sa.or_(
            sa.and_(CoachPaperwork.coach_person_id == user.person_id,
                    CoachPaperwork.coach_signed_at.is_(None)),
            sa.and_(CoachPaperwork.manager_person_id == user.person_id,
                    CoachPaperwork.manager_signed_at.is_(None))))).all()
    for row in unsigned:
        whose = "your" if row.coach_person_id == user.person_id else f"{row.coach.name}'s"
        panel.items.append(Item(f"Sign {whose} coaching time-allocation agreement",
                                url_for("coaching.view_paperwork",
                                        person_id=row.coach_person_id), level="warn"))
    return panel


def _account_panel(user: Any) -> Panel:
    panel = Panel("Your account")
    if not user.roles:
        panel.items.append(Item("You hold no role yet; an L&D admin grants roles.", level="warn"))
    grants = db.session.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id))
    roles = role_names(list(grants))
    if roles:
        panel.items.append(Item(f"Your roles: {roles}"))
    if user.person_id is not None:
        panel.items.append(Item("Your directory record", f"/people/{user.person_id}"))
    panel.items.append(Item("Change your password or manage API tokens", "/account"))
    return panel

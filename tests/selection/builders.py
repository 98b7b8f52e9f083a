"""Objects the selection tests need: a sprint with its panel, people in a reporting line,
candidates at any stage with the evidence that got them there. Everything is flushed; the test
commits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from coachprog.assessments import services as assessments
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.selection import domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate, Sprint
from coachprog.selection.panel import services as panel_services
from coachprog.selection.practice import services as practice_services
from coachprog.selection.sprints import services as sprint_services
from tests.assessments.builders import HIGH, LOW, calibrate, rubric_version
from tests.factories import PersonFactory, UserFactory

SYSTEM = SystemActor("tests")
STAGE_RUBRICS = (domain.INTERVIEW_RUBRIC_ID, *domain.SIMULATION_RUBRICS)

APPLICATION = " ".join(
    ["I coached two new team leads through their first quarter, asking what they wanted from "
     "the role and letting them find their own answers."] * 8)  # 192 words


def stage_rubrics() -> dict[str, RubricVersion]:
    versions = {}
    for key in STAGE_RUBRICS:
        found = db.session.query(RubricVersion).filter_by(rubric_key=key).first()
        versions[key] = found or rubric_version(key)
    return versions


def admin(**fields: Any) -> User:
    return UserFactory(roles=[Role.ADMIN], **fields)


def sprint(*, start: date | None = None, capacity: int = 4, name: str = "Spring sprint",
           panel: bool = True) -> Sprint:
    """An open sprint that started today (entries open), with a full panel."""
    row = sprint_services.create_sprint(SYSTEM, sprint_services.SprintDraft(
        name=name, capacity=capacity, start_date=start or utcnow().date(),
        eligibility_notes="Twelve months in role."))
    if panel:
        seat_panel(row)
    return row


def seat_panel(row: Sprint) -> dict[str, User]:
    members = {
        "hr_ld": UserFactory(roles=[Role.ADMIN], display_name="Hana Rees"),
        "external_master_coach": UserFactory(roles=[Role.MASTER_COACH],
                                             display_name="Mateo External"),
        "business_sponsor": UserFactory(roles=[Role.SPONSOR], display_name="Sam Sponsor"),
    }
    for seat, user in members.items():
        panel_services.seat_panel_member(SYSTEM, row, seat, user.id)
    return members


def line(depth: int = 2) -> list[Person]:
    """A reporting line, top first: line()[0] manages line()[1], and so on."""
    people: list[Person] = []
    for index in range(depth + 1):
        people.append(PersonFactory(manager_id=people[-1].id if people else None,
                                    name=f"Line person {index}"))
    return people


def applicant(row: Sprint, person: Person | None = None) -> Candidate:
    person = person or PersonFactory()
    user = UserFactory(person_id=person.id)
    return entry_services.apply(user, row, text=APPLICATION)


def passed_assessment(candidate: Candidate, purpose: str, marks: dict[str, str] | None = None,
                      ) -> None:
    """Create the stage assessment and have one calibrated rater submit `marks` (HIGH passes,
    LOW fails) so it closes."""
    stage_rubrics()
    assessment = candidate_services.create_stage_assessment(SYSTEM, candidate, purpose)
    rater = UserFactory(roles=[Role.RATER])
    calibrate(rater, purpose)
    assignment = assessments.assign_rater(SYSTEM, assessment, rater.id)
    values = marks or HIGH
    assessments.save_marks(rater, assignment, values, dict.fromkeys(values, ""), submit=True)
    db.session.flush()


def verified_hours(candidate: Candidate, hours: int = 8) -> None:
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    for day in range(hours):
        entry = practice_services.log_practice_hours(
            SYSTEM, candidate, session_date=candidate.sprint.start_date, minutes=60,
            note=f"Session {day + 1}")
        practice_services.verify_practice_hours(supervisor, candidate, entry.id)
    practice_services.record_practice_review(supervisor, candidate, title="Session 3 recording",
                                     notes="Good contracting; let silences run longer.")


def panel_decides(candidate: Candidate, verdict: str = "appoint") -> None:
    for member in candidate.sprint.panel:
        user = db.session.get(User, member.user_id)
        panel_services.record_panel_decision(user, candidate, verdict=verdict,
                                        reasons="Strong questioning in both simulations.")


def candidate_at(stage: CandidateStage, row: Sprint | None = None) -> Candidate:
    """A candidate moved, through the guarded service, up to `stage` (a pipeline stage)."""
    row = row or sprint()
    candidate = applicant(row)
    steps = {
        CandidateStage.INTERVIEW: lambda: None,
        CandidateStage.SIMULATIONS: lambda: passed_assessment(candidate, "interview"),
        CandidateStage.SUPERVISED_PRACTICE: lambda: [
            passed_assessment(candidate, key) for key in domain.SIMULATION_RUBRICS],
        CandidateStage.PANEL: lambda: verified_hours(candidate),
        CandidateStage.APPOINTED: lambda: panel_decides(candidate),
    }
    for target, prepare in steps.items():
        if domain.PIPELINE.index(target) > domain.PIPELINE.index(stage):
            break
        prepare()
        candidate_services.advance_candidate(SYSTEM, candidate, target.value)
    return candidate


__all__ = ["LOW", "candidate_at", "line", "sprint", "timedelta"]

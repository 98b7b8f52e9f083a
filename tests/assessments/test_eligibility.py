"""Rater choice lists offer only the people the assignment would accept, and say why the others
are not offered (issue 21), from a fixed number of statements whatever the number of raters."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.pages import counting
from coachprog.assessments import services
from coachprog.assessments.eligibility import RaterOptions, rater_options
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.roles import Role
from tests.assessments.builders import assessment, calibrate, rater, subject_person
from tests.coaching.builders import engagement
from tests.factories import PersonFactory
from tests.recordings.recording_builders import (
    JFK,
    sample,
    session,
    stored_recording,
    supervisor_of,
    world,
)

ADMIN = SystemActor("tests")


def _reasons(options: RaterOptions, user: User) -> str:
    return " ".join(r for n in options.not_offered if n.user.id == user.id for r in n.reasons)


def _offered(options: RaterOptions) -> set[int]:
    return {c.user.id for c in options.offered}


def test_the_list_offers_only_raters_the_assignment_would_accept() -> None:
    boss = PersonFactory(name="Boss Person")
    subject = subject_person(manager_id=boss.id)
    report = PersonFactory(name="Report Person", manager_id=subject.id)
    coachee_of = PersonFactory()
    row = assessment(subject=subject)
    free = rater(display_name="Free Rater")
    manager = rater(display_name="Manager Rater", person_id=boss.id)
    reporting = rater(display_name="Reporting Rater", person_id=report.id)
    themself = rater(display_name="Subject Rater", person_id=subject.id)
    coaching = rater(display_name="Coaching Rater", person_id=coachee_of.id)
    engagement(coachee_of, subject)  # the rater coaches the person assessed
    uncalibrated = rater(display_name="Uncalibrated Rater", calibrated=False)
    db.session.flush()
    options = rater_options(ADMIN, row)
    assert _offered(options) == {free.id}
    assert "Manager Rater manages the person being assessed." in _reasons(options, manager)
    assert "Reporting Rater reports to the person being assessed." in _reasons(options, reporting)
    assert "Subject Rater is the person being assessed." in _reasons(options, themself)
    assert "Coaching Rater coaches the person being assessed." in _reasons(options, coaching)
    assert "Uncalibrated Rater is not calibrated for “Test session review”." in \
        _reasons(options, uncalibrated)
    # Every one left out is refused by the service too, and the one offered is accepted.
    for left_out in (manager, reporting, themself, coaching, uncalibrated):
        with pytest.raises(DomainError):
            services.assign_rater(ADMIN, row, left_out.id)
    assert services.assign_rater(ADMIN, row, free.id).rater_id == free.id
    # Once assigned, a rater is no longer offered nor listed.
    again = rater_options(ADMIN, row)
    assert free.id not in _offered(again)
    assert all(n.user.id != free.id for n in again.not_offered)


def test_a_blind_recorded_session_leaves_out_who_knows_the_coach_and_the_chains(
        recordings_dir: Path) -> None:
    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, recordings_dir,
                                 source=sample(JFK))
    row = assessment(blind=True)
    row.evidence.recording_id = recording.id
    coachee_boss = PersonFactory(name="Coachee Boss")
    w.coachee.manager_id = coachee_boss.id
    db.session.flush()
    lead = supervisor_of(w.coach, Role.LEAD_COACH, display_name="Lead Supervisor")
    calibrate(lead)
    boss = rater(display_name="Boss Of Coachee", person_id=coachee_boss.id)
    stranger = rater(display_name="Stranger Rater")
    options = rater_options(ADMIN, row)
    assert _offered(options) == {stranger.id}
    assert "Lead Supervisor supervises the coach of this recorded session, so a blind " \
           "review of it would not be blind." in _reasons(options, lead)
    assert "Boss Of Coachee manages the coachee of this recorded session." in \
        _reasons(options, boss)


def _scene(raters: int) -> tuple[object, list[User]]:
    subject = PersonFactory(manager_id=PersonFactory().id)
    coach = PersonFactory()
    engagement(coach, PersonFactory())
    made = []
    for number in range(raters):
        person = PersonFactory(manager_id=PersonFactory().id)
        made.append(rater(display_name=f"Rater {number}", person_id=person.id,
                          calibrated=number % 2 == 0))
    made.append(rater(display_name="Coach Rater", person_id=coach.id))
    return assessment(subject=subject), made


def test_the_list_costs_the_same_statements_for_few_and_many_raters() -> None:
    counts = []
    for size in (3, 12):
        row, _ = _scene(size)
        db.session.commit()
        db.session.expire_all()
        with counting(db.engine) as seen:
            options = rater_options(ADMIN, row)
        counts.append(seen[0])
        assert options.offered and options.not_offered
    assert counts[0] == counts[1], counts

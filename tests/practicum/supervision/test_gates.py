"""Gates: the checklist facts (the real ledger feeds them), who decides, the decision rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.ledger import services as ledger
from coachprog.practicum.ledger.models import PracticumProgram
from coachprog.practicum.supervision import gates, services
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.practicum.supervision.builders import (
    T0,
    enrol,
    log_hours,
    scored,
    trainee_with_supervisor,
)


def test_final_gate_needs_an_independent_master_coach(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor(Role.MASTER_COACH)
    decider = UserFactory(roles=[Role.MASTER_COACH])
    enrol(person)
    log_hours(person, coached=25, lab=12, verifier=supervisor)
    scored(person, rater=supervisor, purpose="capstone")
    scored(person, rater=supervisor)  # scored by the direct supervisor: does not count
    page = gates.gate_page(decider, person.id, "final")
    assert {i.key: i.met for i in page.items} == {"independent_review": False, "capstone": True,
                                                  "hours_met": True}
    with pytest.raises(DomainError) as error:
        gates.decide_gate(decider, person.id, "final", outcome="passed", note="")
    assert "master coach who is not" in error.value.message
    assert services.final_review(person.id) is None
    scored(person, rater=decider, at=T0 + timedelta(days=1))
    with app.test_request_context():
        gates.decide_gate(decider, person.id, "final", outcome="passed", note="Well done")
        result = services.final_review(person.id)
    assert result is not None and result.passed and result.gate == "final"
    assert result.decided_by_name == decider.display_name
    assert result.url.endswith(f"/supervision/trainees/{person.id}/gates/final")


def test_only_master_coaches_decide_and_never_their_own_gate(app, clock) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    log_hours(person, coached=10, lab=5, verifier=supervisor)
    scored(person, rater=supervisor)
    with pytest.raises(NotPermitted):
        gates.decide_gate(supervisor, person.id, "midpoint", outcome="proceed", note="")
    trainee.role_grants.append(type(trainee.role_grants[0])(role=Role.MASTER_COACH.value))
    db.session.flush()
    with pytest.raises(NotPermitted):
        gates.decide_gate(trainee, person.id, "midpoint", outcome="proceed", note="")
    master = UserFactory(roles=[Role.MASTER_COACH])
    row = gates.decide_gate(master, person.id, "midpoint", outcome="extra_supervision",
                               note="One more observed session")
    assert row.checklist[0]["met"] is True


def _items(actor, person_id: int, gate: str) -> dict[str, object]:
    return {i.key: i for i in gates.gate_page(actor, person_id, gate).items}


def test_only_verified_hours_count_toward_the_midpoint(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    master = UserFactory(roles=[Role.MASTER_COACH])
    enrol(person)
    scored(person, rater=supervisor)
    verified = log_hours(person, coached=6, lab=3, verifier=supervisor)
    pending = log_hours(person, coached=4, lab=2, status=ledger_rules.PENDING, days_back=20)
    queried = log_hours(person, coached=8, lab=8, status=ledger_rules.QUERIED, days_back=40,
                        verifier=supervisor)
    assert ledger.hours_summary(person.id).coached_hours == 6
    item = _items(master, person.id, "midpoint")["hours_on_track"]
    assert item.met is False
    # Half the default minimums (20 coached, 10 lab) is 10 and 5; 6 and 3 are verified.
    assert "verified: 6 of 10 coached h, 3 of 5 lab/peer-debrief h" in item.detail
    assert "still missing 4 more verified coached hours and 2 more verified lab" in item.detail
    assert "22 h logged but not verified (not counted)" in item.detail
    with pytest.raises(DomainError, match="Not yet met: Verified hours on track"):
        gates.decide_gate(master, person.id, "midpoint", outcome="proceed", note="")
    # The supervisor verifies the pending entries through the ledger: now they count.
    for row in pending:
        ledger.review_entry(supervisor, row.id, decision="verify", comment="")
    item = _items(master, person.id, "midpoint")["hours_on_track"]
    assert item.met is True and "still missing" not in item.detail
    assert "16 h logged but not verified" in item.detail  # the queried ones, still out
    row = gates.decide_gate(master, person.id, "midpoint", outcome="proceed", note="")
    assert row.checklist == [{"key": "session_scored", "label": row.checklist[0]["label"],
                              "met": True},
                             {"key": "hours_on_track", "label": row.checklist[1]["label"],
                              "met": True}]
    assert len(verified) + len(queried) > 0


def test_final_hour_targets_follow_the_trainees_program(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    short = PracticumProgram(name="Short practicum", coached_min=4, coached_max=6, lab_min=2,
                             lab_max=3, weeks_min=4, weeks_max=6)
    db.session.add(short)
    db.session.flush()
    log_hours(person, coached=4, lab=2, verifier=supervisor)
    # Not enrolled: the default targets (20 / 10) apply and are far away.
    item = _items(supervisor, person.id, "final")["hours_met"]
    assert item.met is False and "(default targets)" in item.detail
    enrol(person, program=short)
    item = _items(supervisor, person.id, "final")["hours_met"]
    assert item.met is True
    assert item.detail == "verified: 4 of 4 coached h, 2 of 2 lab/peer-debrief h"
    # Supervision and mentor hours are development hours, never coached or lab hours.
    person2, _, supervisor2 = trainee_with_supervisor()
    enrol(person2, program=short)
    for kind in (ledger_rules.SUPERVISION, ledger_rules.MENTOR):
        for rows in [log_hours(person2, coached=8, verifier=supervisor2, days_back=3)]:
            for r in rows:
                r.kind = kind
                r.coachee_pseudonym = None
            db.session.flush()
    assert _items(supervisor2, person2.id, "final")["hours_met"].met is False
    assert ledger.hours_summary(person2.id).development_hours == 16


def test_final_gate_end_to_end_with_the_ledger(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor(Role.MASTER_COACH)
    independent = UserFactory(roles=[Role.MASTER_COACH], display_name="Iris Independent")
    enrol(person)
    log_hours(person, coached=19.5, lab=10, verifier=supervisor)
    log_hours(person, coached=5, status=ledger_rules.PENDING, days_back=30)
    scored(person, rater=supervisor)
    items = _items(independent, person.id, "final")
    assert items["independent_review"].met is False
    assert "not scored by an independent master coach" in items["independent_review"].detail
    assert items["capstone"].met is False and "no brief" in items["capstone"].detail
    assert items["hours_met"].met is False
    assert "still missing 0.5 more verified coached hours" in items["hours_met"].detail
    scored(person, rater=independent, at=T0 + timedelta(hours=2))
    scored(person, rater=supervisor, purpose="capstone", at=T0 + timedelta(hours=3))
    items = _items(independent, person.id, "final")
    assert items["independent_review"].met is True
    assert "scored by Iris Independent on 2026-03-27 11:00 UTC" in \
        items["independent_review"].detail
    assert items["capstone"].met is True
    with pytest.raises(DomainError, match="Practicum hour targets met"):
        gates.decide_gate(independent, person.id, "final", outcome="passed", note="")
    # Verifying the last pending coached session completes the hours.
    with app.test_request_context():
        pending = [e for e in ledger.entries_to_verify(supervisor) if e.person.id == person.id]
    assert len(pending) == 1
    ledger.review_entry(supervisor, pending[0].id, decision="verify", comment="")
    assert all(i.met for i in _items(independent, person.id, "final").values())
    with app.test_request_context():
        gates.decide_gate(independent, person.id, "final", outcome="passed", note="Ready")
        result = services.final_review(person.id)
    assert result is not None and result.passed
    assert result.decided_by_name == "Iris Independent"


def test_a_failing_review_or_extra_supervision_needs_no_full_checklist(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    master = UserFactory(roles=[Role.MASTER_COACH])
    log_hours(person, coached=2, verifier=supervisor)
    scored(person, rater=master, passed=False)
    items = _items(master, person.id, "final")
    assert items["independent_review"].detail == "no session review has passed yet"
    row = gates.decide_gate(master, person.id, "final", outcome="not_passed",
                               note="The observed session did not pass; re-observe in May.")
    assert row.outcome == "not_passed" and not all(i["met"] for i in row.checklist)
    mid = gates.decide_gate(master, person.id, "midpoint", outcome="extra_supervision",
                               note="Hours behind")
    assert mid.decided_by_id == master.id
    with pytest.raises(DomainError, match="Choose one of"):
        gates.decide_gate(master, person.id, "midpoint", outcome="passed", note="")
    with app.test_request_context():
        result = services.final_review(person.id)
    assert result is not None and not result.passed

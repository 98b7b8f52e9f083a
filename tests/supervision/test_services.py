"""Services: deadlines from scored reviews, feedback, 1:1s, the queue, gates and the contract."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.practicum import domain as ledger_rules
from coachprog.practicum import services as ledger
from coachprog.practicum import supervision_services as services
from coachprog.practicum.models import PracticumProgram
from coachprog.practicum.supervision_domain import SlaState
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.supervision.builders import (
    T0,
    enrol,
    log_hours,
    scored,
    trainee_with_supervisor,
)


def test_a_scored_review_opens_both_deadlines(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    scored(person, rater=supervisor, status="open")  # not scored yet: no deadline
    scored(person, rater=supervisor, purpose="capstone")  # other rubric: no deadline
    items = services.deadlines_for({person.id})
    assert [d.assessment.id for d in items] == [review.id]
    assert items[0].feedback.due_at == T0 + timedelta(hours=48)
    assert items[0].one_on_one.due_at == T0 + timedelta(days=7)
    clock.now = T0 + timedelta(hours=49)
    item = services.deadlines_for({person.id})[0]
    assert item.feedback.state is SlaState.OVERDUE
    assert item.one_on_one.state is SlaState.DUE
    assert services.overdue_counts() == (1, 0)


def test_feedback_closes_the_deadline_and_keeps_its_first_time(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    clock.now = T0 + timedelta(hours=5)
    services.write_feedback(supervisor, review.id, "Good contracting; slow down at the close.")
    clock.now = T0 + timedelta(hours=60)
    services.write_feedback(supervisor, review.id, "Good contracting; slow down at the end.")
    item = services.deadlines_for({person.id})[0]
    assert item.feedback.state is SlaState.DONE
    assert item.feedback_row is not None and item.feedback_row.body.endswith("at the end.")


def test_feedback_bad_input_and_strangers(app, clock) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    with pytest.raises(DomainError) as error:
        services.write_feedback(supervisor, review.id, "  ok ")
    assert "body" in error.value.field_errors
    for stranger in (UserFactory(roles=[Role.LEAD_COACH]), UserFactory(roles=[Role.ADMIN]),
                     trainee):
        with pytest.raises(NotPermitted):
            services.write_feedback(stranger, review.id, "Some feedback that is long enough.")


def test_one_on_one_closes_the_seven_day_deadline(app, clock) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    clock.now = T0 + timedelta(days=8)
    services.record_one_on_one(supervisor, person.id, held_on=date(2026, 4, 3),
                               notes="Private notes", assessment_id=review.id)
    item = services.deadlines_for({person.id})[0]
    assert item.one_on_one.state is SlaState.LATE
    # The notes: the pair only.
    assert [m.notes for m in services.one_on_ones(trainee, person.id)] == ["Private notes"]
    assert [m.notes for m in services.one_on_ones(supervisor, person.id)] == ["Private notes"]
    admin = UserFactory(roles=[Role.ADMIN, Role.MASTER_COACH])
    assert services.one_on_ones(admin, person.id) == []


def test_one_on_one_bad_input(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    other, _, _ = trainee_with_supervisor()
    review_of_other = scored(other, rater=supervisor)
    with pytest.raises(DomainError) as error:
        services.record_one_on_one(supervisor, person.id, held_on=T0.date() + timedelta(days=1),
                                   notes="")
    assert "future" in error.value.field_errors["held_on"][0]
    with pytest.raises(DomainError) as error:
        services.record_one_on_one(supervisor, person.id, held_on=None, notes="")
    assert "held_on" in error.value.field_errors
    with pytest.raises(DomainError) as error:
        services.record_one_on_one(supervisor, person.id, held_on=T0.date(), notes="",
                                   assessment_id=review_of_other.id)
    assert "assessment_id" in error.value.field_errors


def test_queue_shows_only_own_trainees(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    other, _, other_supervisor = trainee_with_supervisor()
    scored(person, rater=supervisor)
    scored(other, rater=other_supervisor)
    queue = services.queue(supervisor)
    assert [d.trainee.id for d in queue.open_feedback] == [person.id]
    assert [p.id for p in queue.trainees] == [person.id]
    with pytest.raises(NotPermitted):
        services.queue(UserFactory(roles=[Role.COACH]))


def test_queue_lists_capstone_briefs_to_score(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    brief = scored(person, rater=supervisor, purpose="capstone", status="open")
    assert [a.assessment_id for a in services.queue(supervisor).briefs_to_score] == [brief.id]


def test_final_gate_needs_an_independent_master_coach(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor(Role.MASTER_COACH)
    decider = UserFactory(roles=[Role.MASTER_COACH])
    enrol(person)
    log_hours(person, coached=25, lab=12, verifier=supervisor)
    scored(person, rater=supervisor, purpose="capstone")
    scored(person, rater=supervisor)  # scored by the direct supervisor: does not count
    page = services.gate_page(decider, person.id, "final")
    assert {i.key: i.met for i in page.items} == {"independent_review": False, "capstone": True,
                                                  "hours_met": True}
    with pytest.raises(DomainError) as error:
        services.decide_gate(decider, person.id, "final", outcome="passed", note="")
    assert "master coach who is not" in error.value.message
    assert services.final_review(person.id) is None
    scored(person, rater=decider, at=T0 + timedelta(days=1))
    with app.test_request_context():
        services.decide_gate(decider, person.id, "final", outcome="passed", note="Well done")
        result = services.final_review(person.id)
    assert result is not None and result.passed and result.gate == "final"
    assert result.decided_by_name == decider.display_name
    assert result.url.endswith(f"/supervision/trainees/{person.id}/gates/final")


def test_only_master_coaches_decide_and_never_their_own_gate(app, clock) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    log_hours(person, coached=10, lab=5, verifier=supervisor)
    scored(person, rater=supervisor)
    with pytest.raises(NotPermitted):
        services.decide_gate(supervisor, person.id, "midpoint", outcome="proceed", note="")
    trainee.role_grants.append(type(trainee.role_grants[0])(role=Role.MASTER_COACH.value))
    db.session.flush()
    with pytest.raises(NotPermitted):
        services.decide_gate(trainee, person.id, "midpoint", outcome="proceed", note="")
    master = UserFactory(roles=[Role.MASTER_COACH])
    row = services.decide_gate(master, person.id, "midpoint", outcome="extra_supervision",
                               note="One more observed session")
    assert row.checklist[0]["met"] is True


def test_capstone_passed_reads_the_latest_brief(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=False)
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=True,
           at=T0 + timedelta(days=3))
    assert services.capstone_passed(person.id) is True


# --- the real ledger feeds the gates -----------------------------------------------------------


def _items(actor, person_id: int, gate: str) -> dict[str, object]:
    return {i.key: i for i in services.gate_page(actor, person_id, gate).items}


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
        services.decide_gate(master, person.id, "midpoint", outcome="proceed", note="")
    # The supervisor verifies the pending entries through the ledger: now they count.
    for row in pending:
        ledger.review_entry(supervisor, row.id, decision="verify", comment="")
    item = _items(master, person.id, "midpoint")["hours_on_track"]
    assert item.met is True and "still missing" not in item.detail
    assert "16 h logged but not verified" in item.detail  # the queried ones, still out
    row = services.decide_gate(master, person.id, "midpoint", outcome="proceed", note="")
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
        services.decide_gate(independent, person.id, "final", outcome="passed", note="")
    # Verifying the last pending coached session completes the hours.
    with app.test_request_context():
        pending = [e for e in ledger.entries_to_verify(supervisor) if e.person.id == person.id]
    assert len(pending) == 1
    ledger.review_entry(supervisor, pending[0].id, decision="verify", comment="")
    assert all(i.met for i in _items(independent, person.id, "final").values())
    with app.test_request_context():
        services.decide_gate(independent, person.id, "final", outcome="passed", note="Ready")
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
    row = services.decide_gate(master, person.id, "final", outcome="not_passed",
                               note="The observed session did not pass; re-observe in May.")
    assert row.outcome == "not_passed" and not all(i["met"] for i in row.checklist)
    mid = services.decide_gate(master, person.id, "midpoint", outcome="extra_supervision",
                               note="Hours behind")
    assert mid.decided_by_id == master.id
    with pytest.raises(DomainError, match="Choose one of"):
        services.decide_gate(master, person.id, "midpoint", outcome="passed", note="")
    with app.test_request_context():
        result = services.final_review(person.id)
    assert result is not None and not result.passed


def test_queue_lists_pending_ledger_entries_of_own_trainees(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    other, _, _ = trainee_with_supervisor()
    enrol(person)
    enrol(other)
    pending = log_hours(person, coached=1, lab=1, status=ledger_rules.PENDING)
    log_hours(person, coached=1, verifier=supervisor, days_back=10)
    log_hours(person, lab=1, status=ledger_rules.QUERIED, verifier=supervisor, days_back=12)
    log_hours(other, coached=1, status=ledger_rules.PENDING)
    with app.test_request_context():
        entries = services.queue(supervisor).entries
    assert [e.id for e in entries] == sorted((r.id for r in pending),
                                             key=lambda i: next(r.starts_at for r in pending
                                                                if r.id == i))
    assert all(e.person.id == person.id and e.status == "pending" for e in entries)
    assert entries[0].url.endswith(f"/practicum/entries/{entries[0].id}")


# --- the program overview ----------------------------------------------------------------------


def test_program_overview_counts_overdue_per_supervisor(app, clock) -> None:
    ana, _, lead = trainee_with_supervisor()
    ben, _, lead2 = trainee_with_supervisor()
    enrol(ana, start=(T0 - timedelta(weeks=5)).date())
    enrol(ben, start=T0.date())
    log_hours(ana, coached=12, lab=6, verifier=lead)
    log_hours(ana, coached=1, status=ledger_rules.PENDING, days_back=30)
    late = scored(ana, rater=lead, at=T0 - timedelta(days=3))  # feedback overdue
    scored(ana, rater=lead, at=T0 - timedelta(days=9))  # feedback and 1:1 overdue
    scored(ben, rater=lead2, at=T0 - timedelta(hours=2))  # due, not overdue
    services.write_feedback(lead, late.id, "Late but thorough feedback on the session.")
    admin = UserFactory(roles=[Role.ADMIN])
    view = services.program_overview(admin)
    assert (view.feedback_overdue, view.one_on_ones_overdue) == (1, 1)
    assert services.overdue_counts() == (1, 1)
    rows = {r.trainee.id: r for r in view.rows}
    a = rows[ana.id]
    assert a.window.week == 6 and a.hours.coached_hours == 12 and a.entries_waiting == 1
    assert (a.feedback_overdue, a.one_on_ones_overdue) == (1, 1)
    assert [(g.gate.value, g.met, g.total) for g in a.gates] == [("midpoint", 2, 2),
                                                                 ("final", 0, 3)]
    assert [s.id for s in a.supervisors] == [lead.id]
    b = rows[ben.id]
    assert b.window.week == 1 and (b.feedback_overdue, b.one_on_ones_overdue) == (0, 0)
    loads = {s.supervisor.id: s for s in view.supervisors}
    assert (loads[lead.id].feedback_overdue, loads[lead.id].one_on_ones_overdue,
            loads[lead.id].entries_waiting, loads[lead.id].trainees) == (1, 1, 1, 1)
    assert (loads[lead2.id].feedback_overdue, loads[lead2.id].one_on_ones_overdue) == (0, 0)
    assert view.supervisors[0].supervisor.id == lead.id  # most overdue first
    # A recorded decision shows instead of the count.
    master = UserFactory(roles=[Role.MASTER_COACH])
    services.decide_gate(master, ana.id, "midpoint", outcome="proceed", note="")
    again = {r.trainee.id: r for r in services.program_overview(master).rows}[ana.id]
    assert again.gates[0].decision is not None and again.gates[0].decision.outcome == "proceed"
    # Two days later ben's feedback is overdue too.
    clock.now = T0 + timedelta(days=2)
    assert services.program_overview(admin).feedback_overdue == 2


def test_program_overview_is_for_program_staff_only(app, clock) -> None:
    for role in (Role.LEAD_COACH, Role.COACH, Role.SPONSOR, Role.MANAGER, Role.RATER):
        with pytest.raises(NotPermitted):
            services.program_overview(UserFactory(roles=[role]))
    with pytest.raises(NotPermitted):
        services.program_overview(UserFactory(roles=[Role.ADMIN, Role.SPONSOR]))
    person, _, _ = trainee_with_supervisor()
    enrol(person)
    rows = services.program_overview(UserFactory(roles=[Role.MASTER_COACH])).rows
    assert person.id in {r.trainee.id for r in rows}

"""Services: deadlines from scored reviews, feedback, 1:1s, the queue, gates and the contract."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coachprog.auth.domain import Role
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.practicum import supervision_services as services
from coachprog.practicum.supervision_domain import SlaState
from tests.factories import UserFactory
from tests.supervision.builders import T0, scored, trainee_with_supervisor


def test_a_scored_review_opens_both_deadlines(app, clock, hours) -> None:
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


def test_feedback_closes_the_deadline_and_keeps_its_first_time(app, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    clock.now = T0 + timedelta(hours=5)
    services.write_feedback(supervisor, review.id, "Good contracting; slow down at the close.")
    clock.now = T0 + timedelta(hours=60)
    services.write_feedback(supervisor, review.id, "Good contracting; slow down at the end.")
    item = services.deadlines_for({person.id})[0]
    assert item.feedback.state is SlaState.DONE
    assert item.feedback_row is not None and item.feedback_row.body.endswith("at the end.")


def test_feedback_bad_input_and_strangers(app, clock, hours) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    review = scored(person, rater=supervisor)
    with pytest.raises(DomainError) as error:
        services.write_feedback(supervisor, review.id, "  ok ")
    assert "body" in error.value.field_errors
    for stranger in (UserFactory(roles=[Role.LEAD_COACH]), UserFactory(roles=[Role.ADMIN]),
                     trainee):
        with pytest.raises(NotPermitted):
            services.write_feedback(stranger, review.id, "Some feedback that is long enough.")


def test_one_on_one_closes_the_seven_day_deadline(app, clock, hours) -> None:
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


def test_one_on_one_bad_input(app, clock, hours) -> None:
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


def test_queue_shows_only_own_trainees(app, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    other, _, other_supervisor = trainee_with_supervisor()
    scored(person, rater=supervisor)
    scored(other, rater=other_supervisor)
    queue = services.queue(supervisor)
    assert [d.trainee.id for d in queue.open_feedback] == [person.id]
    assert [p.id for p in queue.trainees] == [person.id]
    assert queue.ledger_available
    with pytest.raises(NotPermitted):
        services.queue(UserFactory(roles=[Role.COACH]))


def test_queue_lists_capstone_briefs_to_score(app, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    brief = scored(person, rater=supervisor, purpose="capstone", status="open")
    assert [a.assessment_id for a in services.queue(supervisor).briefs_to_score] == [brief.id]


def test_final_gate_needs_an_independent_master_coach(app, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor(Role.MASTER_COACH)
    decider = UserFactory(roles=[Role.MASTER_COACH])
    hours.update(coached=25, lab=12)
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


def test_only_master_coaches_decide_and_never_their_own_gate(app, clock, hours) -> None:
    person, trainee, supervisor = trainee_with_supervisor()
    hours.update(coached=10, lab=5)
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


def test_hours_unavailable_leaves_hours_unmet(app, clock, monkeypatch) -> None:
    from coachprog.practicum import services as ledger

    def missing(person_id: int, *, since: object = None) -> object:
        raise NotImplementedError

    monkeypatch.setattr(ledger, "hours_summary", missing)
    person, _, supervisor = trainee_with_supervisor()
    items = services.gate_page(supervisor, person.id, "midpoint").items
    assert items[1].met is False and "not available" in items[1].detail


def test_capstone_passed_reads_the_latest_brief(app, clock, hours) -> None:
    person, _, supervisor = trainee_with_supervisor()
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=False)
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=True,
           at=T0 + timedelta(days=3))
    assert services.capstone_passed(person.id) is True

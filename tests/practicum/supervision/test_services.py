"""Services: deadlines from scored reviews, feedback, 1:1s, the queue and the contract."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coachprog.errors import DomainError, NotPermitted
from coachprog.practicum.ledger import domain as ledger_rules
from coachprog.practicum.supervision import services
from coachprog.practicum.supervision.domain import SlaState
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.practicum.supervision.builders import (
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


def test_capstone_passed_reads_the_latest_brief(app, clock) -> None:
    person, _, supervisor = trainee_with_supervisor()
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=False)
    assert services.capstone_passed(person.id) is False
    scored(person, rater=supervisor, purpose="capstone", passed=True,
           at=T0 + timedelta(days=3))
    assert services.capstone_passed(person.id) is True


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

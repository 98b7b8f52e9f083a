"""Audit services: drawing, verify-by-recompute, redraw, assignment constraints, audit outcome,
corrective actions, coverage breach, match blocker, the audit_outcomes contract."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coachprog.audits import services
from coachprog.audits.models import AuditSample
from coachprog.coaching.services import match_blocks
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.recordings.permissions import auditor_user_ids
from coachprog.roles import Role
from tests.audits.builders import (
    ADMIN,
    auditor,
    coaches,
    full_marks,
    session_for,
    supervise,
    supervisor,
)


def _world() -> dict:
    lead_a, lead_b = supervisor(), supervisor()
    group_a, group_b = coaches(7, lead_a), coaches(3, lead_b)
    loners = coaches(2)
    masters = [auditor(), auditor(), auditor()]
    db.session.commit()
    return {"leads": (lead_a, lead_b), "a": group_a, "b": group_b, "loners": loners,
            "masters": masters}


def test_draw_is_stratified_recorded_and_verifies(clock) -> None:
    w = _world()
    sample = services.draw(ADMIN, "2026q4", seed=42)
    db.session.commit()
    assert sample.quarter == "2026Q4" and sample.seed == 42
    assert len(sample.population) == 12
    assert len(sample.drawn) >= 3  # ceil(20 % x 12) = 3, and three groups
    strata = {m["stratum"] for m in sample.population}
    assert len(strata) == 3
    drawn_strata = {m["stratum"] for m in sample.population if m["coach_id"] in sample.drawn}
    assert drawn_strata == strata
    check = services.verify(ADMIN, sample.id)
    assert check.matches and check.recomputed == tuple(sorted(sample.drawn))
    # Tampering with the stored result is caught.
    sample.drawn = sorted({*sample.drawn[1:], *[c.id for c in w["a"]][:1]} ^ {-1})
    assert not services.verify(ADMIN, sample.id).matches


def test_inactive_coaches_are_not_in_the_population(clock, monkeypatch) -> None:
    w = _world()
    gone = w["a"][0].id
    from coachprog.coaching import services as coaching

    real = coaching.active_coach_ids
    monkeypatch.setattr(coaching, "active_coach_ids", lambda: real() - {gone})
    sample = services.draw(ADMIN, "2026Q4", seed=1, percent=100)
    assert gone not in sample.drawn
    assert gone not in {m["coach_id"] for m in sample.population}


def test_priority_weights_in_snapshot(clock, drifting_ids) -> None:
    w = _world()
    drifting_ids.add(w["b"][0].id)
    sample = services.draw(ADMIN, "2026Q4", seed=3)
    weights = {m["coach_id"]: m["weight"] for m in sample.population}
    assert weights[w["b"][0].id] == 4.0  # not recently audited x drift
    assert weights[w["b"][1].id] == 2.0


def test_redraw_needs_reason_and_keeps_old(clock) -> None:
    _world()
    first = services.draw(ADMIN, "2026Q4", seed=1)
    db.session.commit()
    with pytest.raises(DomainError, match="redraw needs a reason") as info:
        services.draw(ADMIN, "2026Q4", seed=2)
    assert "redraw_reason" in info.value.field_errors
    db.session.rollback()
    second = services.draw(ADMIN, "2026Q4", seed=2, redraw_reason="Roster import was stale")
    db.session.commit()
    db.session.refresh(first)
    assert first.superseded_at is not None
    assert first.superseded_reason == "Roster import was stale"
    assert services.current_sample("2026Q4").id == second.id
    assert db.session.query(AuditSample).count() == 2
    # Within the quarter a coach is sampled at most once in the current sample.
    assert len(set(second.drawn)) == len(second.drawn)


def test_percent_below_floor_needs_override(clock) -> None:
    _world()
    with pytest.raises(DomainError, match="override"):
        services.draw(ADMIN, "2026Q4", seed=1, percent=10)
    sample = services.draw(ADMIN, "2026Q4", seed=1, percent=10,
                           override_reason="Pilot quarter agreed with the sponsor")
    assert sample.override_reason.startswith("Pilot")
    with pytest.raises(DomainError, match="quarter"):
        services.draw(ADMIN, "Q4-2026", seed=1)


def test_assignment_constraints_and_balance(clock) -> None:
    w = _world()
    uncalibrated = auditor(calibrated=False)
    # A master coach who directly supervises a lead: never audits coaches they supervise.
    boss = w["masters"][0]
    for coach in w["a"]:
        supervise(coach, boss)
    db.session.commit()
    sample = services.draw(ADMIN, "2026Q4", seed=5, percent=100)
    loads: dict[int, int] = {}
    for audit in sample.audits:
        assert audit.auditor_user_id is not None
        assert audit.auditor_user_id != uncalibrated.id
        if audit.coach_person_id in {c.id for c in w["a"]}:
            assert audit.auditor_user_id != boss.id
        loads[audit.auditor_user_id] = loads.get(audit.auditor_user_id, 0) + 1
    # Balanced across the two eligible masters for group a; overall spread at most a few.
    assert max(loads.values()) - min(loads.values()) <= 3
    audit = next(a for a in sample.audits if a.coach_person_id == w["a"][0].id)
    with pytest.raises(DomainError, match="supervises"):
        services.assign_auditor(ADMIN, audit.id, boss.id)
    with pytest.raises(DomainError, match="not calibrated"):
        services.assign_auditor(ADMIN, audit.id, uncalibrated.id)


def test_every_assignment_rule_on_draw_and_on_reassignment(clock) -> None:
    """Automatic assignment and an admin's reassignment apply the same four rules; each
    refusal says which rule."""
    from tests.factories import UserFactory

    lead = supervisor()
    coach = coaches(1, lead)[0]
    expired = auditor(expired=True)
    other_rubric = auditor(rubric="test-review")
    lead_coach = auditor(role=Role.LEAD_COACH)  # calibrated, but not a master coach or rater
    boss = auditor()  # a calibrated master coach who supervises the coach
    supervise(coach, boss)
    manager = auditor(role=Role.RATER)  # a calibrated external rater who manages the coach
    coach.manager_id = manager.person_id
    external = auditor(role=Role.RATER)  # the only eligible one
    plain = UserFactory(roles=[Role.COACH])
    db.session.commit()
    audit = services.draw(ADMIN, "2026Q4", seed=1).audits[0]
    db.session.commit()
    assert audit.auditor_user_id == external.id
    refusals = {
        expired.id: "not calibrated for the audit rubric",
        other_rubric.id: "not calibrated for the audit rubric",
        lead_coach.id: "neither a master coach nor a rater",
        plain.id: "neither a master coach nor a rater",
        boss.id: "supervises this coach directly",
        # The chain bar, in its words (issue 19).
        manager.id: f"{manager.display_name} manages .*, so cannot be their auditor",
    }
    for user_id, reason in refusals.items():
        with pytest.raises(DomainError, match=reason) as info:
            services.assign_auditor(ADMIN, audit.id, user_id)
        assert "auditor_user_id" in info.value.field_errors
    with pytest.raises(DomainError, match="Choose a master coach"):
        services.assign_auditor(ADMIN, audit.id, 999_999)
    db.session.rollback()
    second = auditor(role=Role.RATER)
    db.session.commit()
    services.assign_auditor(ADMIN, audit.id, second.id)
    assert audit.auditor_user_id == second.id
    loads = {u.id: n for u, n in services.auditor_loads()}
    assert loads[second.id] == 1 and loads[external.id] == 0


def test_decided_audit_keeps_its_auditor(clock) -> None:
    w = _world()
    audit = services.draw(ADMIN, "2026Q4", seed=2).audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True, findings="Observed live.",
                    outcome="meets_standard", marks=full_marks())
    other = next(m for m in w["masters"] if m.id != user.id)
    with pytest.raises(DomainError, match="already decided"):
        services.assign_auditor(ADMIN, audit.id, other.id)


def test_nobody_eligible_leaves_the_audit_unassigned(clock) -> None:
    from tests.assessments.builders import calibrate

    lead = supervisor(Role.MASTER_COACH)  # the only auditor, and the coaches' supervisor
    calibrate(lead, "audit")
    coaches(2, lead)
    db.session.commit()
    sample = services.draw(ADMIN, "2026Q4", seed=1)
    assert [a.auditor_user_id for a in sample.audits] == [None]


def test_rater_with_reporting_line_conflict_is_excluded(clock) -> None:
    from tests.factories import PersonFactory, UserFactory

    coach = coaches(1, supervisor())[0]
    manager_person = db.session.get(type(coach), coach.id)
    rater_person = PersonFactory()
    manager_person.manager_id = rater_person.id  # the rater manages the coach
    rater = UserFactory(roles=[Role.RATER], person_id=rater_person.id)
    from tests.assessments.builders import calibrate

    calibrate(rater, "audit")
    db.session.flush()
    assert rater.id in services.exclusions_for(coach.id, services.auditor_pool())


def test_auditors_are_no_recordings_content_source(clock) -> None:
    """Auditors open the chosen session on the audit page only (test_recording_access.py);
    the per-coach recordings hook would open every session of the coach, named."""
    w = _world()
    sample = services.draw(ADMIN, "2026Q4", seed=9)
    audit = sample.audits[0]
    assert auditor_user_ids(audit.coach_person_id) == set()
    sess = session_for(audit.coach, date(2026, 11, 2))
    session_for(audit.coach, date(2026, 6, 2))  # another quarter: not offered
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    assert [s.id for s in services.sessions_for(audit)] == [sess.id]
    services.decide(user, audit.id, session_id=sess.id, observed=False,
                    findings="Three moments of advising at 12:10, 20:05, 31:40.",
                    outcome="meets_standard", marks=full_marks())
    assert auditor_user_ids(audit.coach_person_id) == set()
    assert services.coach_label(user, audit).startswith("Coach A-")


def test_decide_validates(clock) -> None:
    w = _world()
    sample = services.draw(ADMIN, "2026Q4", seed=9)
    audit = sample.audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    with pytest.raises(DomainError) as info:
        services.decide(user, audit.id, session_id=None, observed=False, findings="",
                        outcome="great")
    assert {"outcome", "findings", "observed"} <= set(info.value.field_errors)
    from coachprog.errors import NotPermitted

    other = next(m for m in w["masters"] if m.id != audit.auditor_user_id)
    with pytest.raises(NotPermitted):
        services.decide(other, audit.id, session_id=None, observed=True, findings="x",
                        outcome="meets_standard")


def test_serious_concern_notifies_and_blocks_matches(clock) -> None:
    from coachprog.notifications.models import OutboxMessage

    w = _world()
    sample = services.draw(ADMIN, "2026Q4", seed=4)
    audit = sample.audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Coach told the coachee what to do throughout.",
                    outcome="serious_concern", marks=full_marks("min"))
    messages = db.session.query(OutboxMessage).filter_by(kind="audits.serious_concern").all()
    assert len(messages) == 2  # the other two master coaches
    assert match_blocks(audit.coach_person_id)
    with pytest.raises(DomainError):
        services.resolve_concern(ADMIN, audit.id, "")
    services.resolve_concern(ADMIN, audit.id, "Retrained and re-observed; fine.")
    assert match_blocks(audit.coach_person_id) == []
    outcomes = services.audit_outcomes(audit.coach_person_id, limit=5)
    assert [o.outcome for o in outcomes] == ["serious_concern"]
    assert outcomes[0].quarter == "2026Q4" and outcomes[0].url.endswith(str(audit.id))


def test_corrective_action_lifecycle(clock) -> None:
    w = _world()
    sample = services.draw(ADMIN, "2026Q4", seed=4)
    audit = sample.audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    with pytest.raises(DomainError, match="needs development"):
        services.add_action(user, audit.id, kind="retraining", description="",
                            owner_user_id=user.id, due_on=date(2026, 12, 1))
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Advising crept back in.", outcome="needs_development",
                    marks=full_marks())
    with pytest.raises(DomainError) as info:
        services.add_action(user, audit.id, kind="nap", description="", owner_user_id=None,
                            due_on=date(2026, 1, 1))
    assert set(info.value.field_errors) == {"kind", "owner_user_id", "due_on"}
    action = services.add_action(user, audit.id, kind="retraining",
                                 description="Questioning module", owner_user_id=user.id,
                                 due_on=date(2026, 12, 1))
    assert action.status == "open"
    clock[0] = datetime(2026, 12, 5, tzinfo=UTC)
    cov = services.coverage(ADMIN, "2026Q4")
    assert cov.actions_open == 1 and cov.actions_overdue == 1
    with pytest.raises(DomainError, match="note"):
        services.close_action(user, action.id, status="done", note=" ")
    services.close_action(user, action.id, status="done", note="Module completed 4 Dec")
    assert action.status == "done" and action.closed_at is not None
    with pytest.raises(DomainError, match="already closed"):
        services.close_action(user, action.id, status="cancelled", note="again")


def test_coverage_breach_at_quarter_end(clock) -> None:
    _world()
    services.draw(ADMIN, "2026Q4", seed=4)
    assert not services.coverage(ADMIN, "2026Q4").breach  # quarter still running
    clock[0] = datetime(2027, 1, 3, tzinfo=UTC)
    cov = services.coverage(ADMIN, "2026Q4")
    assert cov.breach and cov.overdue == cov.sampled and cov.audited == 0
    aggregates = services.coverage(ADMIN, "2026Q4", aggregates_only=True)
    assert all(g.suppressed for g in aggregates.groups if g.sampled < 5)


def test_structure_warnings_from_assignments(clock) -> None:
    from tests.factories import PersonFactory, UserFactory

    master_person = PersonFactory(name="Mara Master")
    master = UserFactory(roles=[Role.MASTER_COACH], person_id=master_person.id)
    lead = supervisor()
    lead_person = db.session.get(type(master_person), lead.person_id)
    supervise(lead_person, master)
    coaches(3, lead)
    coaches(1)
    db.session.commit()
    view = services.structure(ADMIN)
    texts = [w.text for w in view.warnings]
    assert any("Mara Master has 4 coaches under them; at least 8" in t for t in texts)
    assert any(t.endswith("has no supervisor.") for t in texts)
    assert view.roots and view.roots[0].name == "Mara Master"
    assert view.roots[0].descendant_count() == 4


def test_supervision_event(clock) -> None:
    w = _world()
    with pytest.raises(DomainError) as info:
        services.record_event(ADMIN, kind="party", title="", held_on=None,
                              attendee_person_ids=[999999])
    assert set(info.value.field_errors) == {"kind", "title", "held_on", "attendees"}
    event = services.record_event(ADMIN, kind="case_clinic", title="November clinic",
                                  held_on=date(2026, 11, 5),
                                  attendee_person_ids=[c.id for c in w["a"][:3]])
    assert len(event.attendee_person_ids) == 3


def test_home_panels(app, clock) -> None:
    with app.test_request_context():
        _home_panels()


def _home_panels() -> None:
    from coachprog.home.services import attention_for
    from tests.factories import UserFactory

    w = _world()
    admin = UserFactory(roles=[Role.ADMIN])
    titles = [p.title for p in attention_for(admin)]
    assert "Quality audits" in titles
    panel = next(p for p in attention_for(admin) if p.title == "Quality audits")
    assert "No audit sample drawn for 2026Q4" in panel.items[0].text
    sample = services.draw(ADMIN, "2026Q4", seed=4)
    auditor_user = db.session.get(type(admin), sample.audits[0].auditor_user_id)
    mine = next(p for p in attention_for(auditor_user) if p.title == "Quality audits")
    assert mine.items[0].count == sum(1 for a in sample.audits
                                      if a.auditor_user_id == auditor_user.id)
    coach_user = UserFactory(roles=[Role.COACH], person_id=w["a"][0].id)
    assert "Quality audits" not in [p.title for p in attention_for(coach_user)]


def _load_audit_rubric() -> object:
    from pathlib import Path

    from coachprog.rubrics.models import RubricVersion
    from coachprog.rubrics.schema import load_rubric_text

    text = (Path(__file__).resolve().parents[2] / "rubrics" / "audit.yaml").read_text()
    rubric, content = load_rubric_text(text)
    db.session.add(RubricVersion(rubric_key=rubric.id, version=rubric.version,
                                 title=rubric.title, purpose=rubric.purpose.value,
                                 content=content, content_hash="test", source="test"))
    db.session.flush()
    return rubric


def test_audit_is_scored_against_the_audit_rubric(clock) -> None:
    w = _world()
    rubric = services.audit_rubric() or _load_audit_rubric()
    sample = services.draw(ADMIN, "2026Q4", seed=4)
    audit = sample.audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    behaviours = list(rubric.behaviours)  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as info:
        services.decide(user, audit.id, session_id=None, observed=True, findings="x",
                        outcome="meets_standard", marks={behaviours[0].id: "3"})
    assert any("has no mark" in m for m in info.value.field_errors["marks"])
    marks = {b.id: str(max(b.valid_values())) for b in behaviours}
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Strong session.", outcome="meets_standard", marks=marks)
    assert audit.scores["rubric"] == "audit v1" and audit.scores["passed"] is True
    assert audit.scores["overall"] == 1.0


def test_serious_concern_refuses_new_engagements_until_resolved(clock) -> None:
    from coachprog.coaching import services as coaching
    from tests.coaching.builders import ready_coach
    from tests.factories import PersonFactory

    coach = ready_coach()
    only = auditor()
    db.session.commit()
    audit = services.draw(ADMIN, "2026Q4", seed=1).audits[0]
    assert audit.coach_person_id == coach.id

    def match() -> object:
        coachee = PersonFactory()
        return coaching.create_engagement(ADMIN, coaching.EngagementDraft(
            coach_person_id=coach.id, coachee_employee_id=coachee.employee_id,
            start_date=date(2026, 11, 20), goals="Delegate more", kpi_name="Team eNPS",
            session_cap=8, hours_per_week=1.0))

    services.decide(only, audit.id, session_id=None, observed=True,
                    findings="Directed the coachee throughout.", outcome="serious_concern",
                    marks=full_marks("min"))
    db.session.commit()
    with pytest.raises(coaching.MatchRefused) as refused:
        match()
    assert any("serious concern" in p for p in refused.value.problems)
    db.session.rollback()
    services.resolve_concern(ADMIN, audit.id, "Retrained; re-observed at standard.")
    db.session.commit()
    assert match().coach_person_id == coach.id


def test_decide_refuses_a_session_outside_the_quarter(clock) -> None:
    w = _world()
    audit = services.draw(ADMIN, "2026Q4", seed=9).audits[0]
    user = db.session.get(type(w["masters"][0]), audit.auditor_user_id)
    last_quarter = session_for(audit.coach, date(2026, 9, 30))
    other_coach = session_for(next(c for c in w["a"] + w["b"] + w["loners"]
                                   if c.id != audit.coach_person_id), date(2026, 11, 1))
    for bad in (last_quarter, other_coach):
        with pytest.raises(DomainError) as info:
            services.decide(user, audit.id, session_id=bad.id, observed=False,
                            findings="x", outcome="meets_standard", marks=full_marks())
        assert "from this quarter" in info.value.field_errors["session_id"][0]
    # Observed live, no recording: allowed, with the findings as the note of what was seen.
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Observed the 14 Nov session live; strong questioning.",
                    outcome="meets_standard", marks=full_marks())
    assert audit.observed and audit.session_id is None


def test_serious_concern_goes_to_the_coachs_own_master_coach(clock) -> None:
    from coachprog.notifications.models import OutboxMessage
    from coachprog.people.models import Person

    auditor(), auditor()  # lower ids: on equal load they are chosen first
    own_master = auditor()
    lead = supervisor()
    supervise(db.session.get(Person, lead.person_id), own_master)  # master over the lead
    coach = coaches(1, lead)[0]
    db.session.commit()
    audit = services.draw(ADMIN, "2026Q4", seed=4).audits[0]
    assert audit.coach_person_id == coach.id and audit.auditor_user_id != own_master.id
    user = db.session.get(type(own_master), audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Directive throughout.", outcome="serious_concern",
                    marks=full_marks("min"))
    sent = db.session.query(OutboxMessage).filter_by(kind="audits.serious_concern").all()
    assert [m.to_email for m in sent] == [own_master.email]

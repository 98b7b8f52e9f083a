"""Audit services: the audit outcome, serious concerns and the match blocker, home panels,
scoring against the audit rubric, the audit_outcomes contract."""

from __future__ import annotations

from datetime import date

import pytest

from coachprog.audits import services
from coachprog.audits.sampling import services as sampling_services
from coachprog.coaching.engagements.services import match_blocks
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
    world,
)


def test_auditors_are_no_recordings_content_source(clock) -> None:
    """Auditors open the chosen session on the audit page only (test_recording_access.py);
    the per-coach recordings hook would open every session of the coach, named."""
    w = world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=9)
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
    w = world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=9)
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

    w = world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=4)
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


def test_home_panels(app, clock) -> None:
    with app.test_request_context():
        _home_panels()


def _home_panels() -> None:
    from coachprog.home.services import attention_for
    from tests.factories import UserFactory

    w = world()
    admin = UserFactory(roles=[Role.ADMIN])
    titles = [p.title for p in attention_for(admin)]
    assert "Quality audits" in titles
    panel = next(p for p in attention_for(admin) if p.title == "Quality audits")
    assert "No audit sample drawn for 2026Q4" in panel.items[0].text
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=4)
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
    w = world()
    rubric = services.audit_rubric() or _load_audit_rubric()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=4)
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
    from coachprog.coaching.engagements import services as engagement_services
    from tests.coaching.builders import ready_coach
    from tests.factories import PersonFactory

    coach = ready_coach()
    only = auditor()
    db.session.commit()
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=1).audits[0]
    assert audit.coach_person_id == coach.id

    def match() -> object:
        coachee = PersonFactory()
        return engagement_services.create_engagement(ADMIN, engagement_services.EngagementDraft(
            coach_person_id=coach.id, coachee_employee_id=coachee.employee_id,
            start_date=date(2026, 11, 20), goals="Delegate more", kpi_name="Team eNPS",
            session_cap=8, hours_per_week=1.0))

    services.decide(only, audit.id, session_id=None, observed=True,
                    findings="Directed the coachee throughout.", outcome="serious_concern",
                    marks=full_marks("min"))
    db.session.commit()
    with pytest.raises(engagement_services.MatchRefused) as refused:
        match()
    assert any("serious concern" in p for p in refused.value.problems)
    db.session.rollback()
    services.resolve_concern(ADMIN, audit.id, "Retrained; re-observed at standard.")
    db.session.commit()
    assert match().coach_person_id == coach.id


def test_decide_refuses_a_session_outside_the_quarter(clock) -> None:
    w = world()
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=9).audits[0]
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
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=4).audits[0]
    assert audit.coach_person_id == coach.id and audit.auditor_user_id != own_master.id
    user = db.session.get(type(own_master), audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True,
                    findings="Directive throughout.", outcome="serious_concern",
                    marks=full_marks("min"))
    sent = db.session.query(OutboxMessage).filter_by(kind="audits.serious_concern").all()
    assert [m.to_email for m in sent] == [own_master.email]

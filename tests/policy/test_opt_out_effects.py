"""Opt-outs are honoured everywhere (issue 24): no new recordings or consent to record for a
person opted out of recording; no fidelity signals and no place in aggregates for a person
opted out of analytics; no new engagements (and off the active roster) for a person who left
the program."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from coachprog.audits import coverage
from coachprog.audits.fidelity import services as fidelity_services
from coachprog.audits.fidelity.models import FidelitySignal
from coachprog.audits.models import Audit, AuditSample
from coachprog.authority import SystemActor
from coachprog.coaching.engagements import services as engagement_services
from coachprog.coaching.roster import services as roster
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.home import services as home
from coachprog.policy import services as policy
from coachprog.recordings import services as recordings
from coachprog.recordings.consent import services as consent_rules
from coachprog.recordings.models import ConsentText
from coachprog.roles import Role
from coachprog.selection.impact import services as monitoring
from tests.audits.fidelity.builders import coach_with_sessions
from tests.coaching.builders import engagement, ready_coach
from tests.conftest import Auth
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import session, world
from tests.selection.impact.builders import candidate, sprint

SYSTEM = SystemActor("test")


def _opt_out(person_id: int, kind: str) -> None:
    policy.set_opt_out(SYSTEM, person_id, kind, opted_out=True, reason="asked in person")
    db.session.commit()


# --- recording ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coach", "coachee"])
def test_no_new_recording_for_someone_opted_out_of_recording(who: str) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    assert recordings.upload_refusal(row) is None
    _opt_out(w.coach.id if who == "coach" else w.coachee.id, "recording")
    refusal = recordings.upload_refusal(row)
    name = (w.coach if who == "coach" else w.coachee).name
    assert refusal == (f"{name} opted out of recording, so no new recording of their sessions "
                       "and no new consent to record them can be made.")
    with pytest.raises(DomainError, match="opted out of recording"):
        recordings.upload_recording(SYSTEM, row, recordings.Upload("s.wav", io.BytesIO()))


def test_leaving_the_program_also_stops_recording() -> None:
    w = world()
    row = session(w.engagement)
    _opt_out(w.coachee.id, "program")
    assert "opted out of recording" in (recordings.upload_refusal(row) or "")


def test_no_new_consent_to_record_for_someone_opted_out() -> None:
    w = world(with_consent=False)
    text = ConsentText(version="v9", title="Consent", body="We record sessions.")
    db.session.add(text)
    _opt_out(w.coachee.id, "recording")
    with pytest.raises(DomainError, match="opted out of recording") as refused:
        consent_rules.record_consent(SYSTEM, w.engagement.id, consent_text_id=text.id,
                                     scopes={"record", "transcribe"}, method="in_app")
    assert "scopes" in refused.value.field_errors
    db.session.rollback()
    # Consent that does not cover recording (review of existing material) is still possible.
    recorded = consent_rules.record_consent(SYSTEM, w.engagement.id, consent_text_id=text.id,
                                            scopes={"supervisor_review"}, method="in_app")
    assert recorded.consent.scope_record is False


def test_the_session_page_tells_the_coach_in_words(client: FlaskClient, auth: Auth) -> None:
    w = world()
    row = session(w.engagement)
    db.session.commit()
    _opt_out(w.coachee.id, "recording")
    auth.login(w.coach_user.email)
    page = client.get(f"/recordings/sessions/{row.id}").get_data(as_text=True)
    assert "opted out of recording" in page


# --- analytics: fidelity and aggregates ---------------------------------------------------------


@pytest.mark.parametrize("who", ["coach", "coachee"])
def test_no_fidelity_signals_for_someone_opted_out_of_analytics(who: str) -> None:
    w = coach_with_sessions("AA")
    fidelity_services.refresh_coach(w.coach.id)
    db.session.commit()
    assert db.session.query(FidelitySignal).filter_by(coach_person_id=w.coach.id).count() == 2
    _opt_out(w.coach.id if who == "coach" else w.coachee.id, "analytics")
    fidelity_services.refresh_coach(w.coach.id)
    db.session.commit()
    assert db.session.query(FidelitySignal).filter_by(coach_person_id=w.coach.id).count() == 0
    # Opting back in brings them back at the next refresh.
    policy.set_opt_out(SYSTEM, w.coach.id if who == "coach" else w.coachee.id, "analytics",
                       opted_out=False, reason="back")
    fidelity_services.refresh_all()
    db.session.commit()
    assert db.session.query(FidelitySignal).filter_by(coach_person_id=w.coach.id).count() == 2


def test_the_sponsors_counts_leave_out_analytics_opt_outs() -> None:
    people = [PersonFactory(department="Sales") for _ in range(7)]
    db.session.commit()
    sponsor = UserFactory(roles=[Role.SPONSOR])
    assert home._sponsor_panel().groups[0].count == 7
    _opt_out(people[0].id, "analytics")
    _opt_out(people[1].id, "recording")  # not an analytics opt-out: still counted
    panel = home.attention_for(sponsor)
    groups = [group for p in panel for group in p.groups]
    assert [(g.label, g.count) for g in groups] == [("Sales", 6)]


def test_adverse_impact_monitoring_does_not_use_an_analytics_opt_outs_self_report() -> None:
    spring = sprint()
    candidate(spring, "applied", gender="woman")
    left = candidate(spring, "applied", gender="woman")
    db.session.commit()
    _opt_out(left.person_id, "analytics")
    entries, _ = monitoring._entries(spring.id)
    assert sorted(bool(entry.answers) for entry in entries) == [False, True]
    assert len(entries) == 2  # the candidacy still counts; only the self-report is left out


def test_audit_coverage_aggregates_leave_out_analytics_opt_outs() -> None:
    coaches = [PersonFactory() for _ in range(6)]
    sample = AuditSample(quarter="2026Q4", seed=1, method_version="test", percent=20.0,
                         population=[{"coach_id": c.id, "stratum": "Group A"} for c in coaches],
                         drawn=[c.id for c in coaches])
    db.session.add(sample)
    db.session.flush()
    for coach in coaches:
        db.session.add(Audit(sample_id=sample.id, quarter="2026Q4",
                             coach_person_id=coach.id, outcome="meets"))
    db.session.commit()
    _opt_out(coaches[0].id, "analytics")
    aggregate = coverage.coverage(SYSTEM, "2026Q4", aggregates_only=True)
    assert aggregate.sampled == 5 and aggregate.audited == 5
    # The aggregate (sponsor) view names supervisor groups neutrally, largest first.
    assert [(g.name, g.sampled) for g in aggregate.groups] == [("Supervisor group 1", 5)]
    assert coverage.coverage(SYSTEM, "2026Q4").sampled == 6  # the program's own view


# --- the program --------------------------------------------------------------------------------


def test_a_coach_who_left_the_program_is_off_the_roster_and_not_matched() -> None:
    coach = ready_coach()
    stays = ready_coach()
    db.session.commit()
    assert {coach.id, stays.id} <= roster.active_coach_ids()
    _opt_out(coach.id, "program")
    assert coach.id not in roster.active_coach_ids()
    assert roster.roster_exclusions()[coach.id] == "opted out of the program"
    draft = engagement_services.EngagementDraft(coach_person_id=coach.id,
                                     coachee_employee_id=PersonFactory().employee_id,
                                     start_date=None, goals="", kpi_name="", session_cap=6,
                                     hours_per_week=1.0)
    with pytest.raises(engagement_services.MatchRefused, match="opted out of the coach program"):
        engagement_services.create_engagement(SYSTEM, draft)


def test_existing_engagements_are_untouched_by_an_opt_out() -> None:
    coach, coachee = ready_coach(), PersonFactory()
    row = engagement(coach, coachee)
    db.session.commit()
    _opt_out(coachee.id, "program")
    db.session.refresh(row)
    assert row.status == "active"  # ending it is the coachee's conversation, not a side effect

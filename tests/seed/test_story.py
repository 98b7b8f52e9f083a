"""The demo seed tells one coherent story (issue 21): every promise a visitor relies on when
walking the demo alone, checked against the real rules (calibration, conflicts, consent,
paperwork) rather than against the seed's own bookkeeping."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.assessments.models import Assessment, RaterAssignment
from coachprog.auth import services as auth_services
from coachprog.authority import can
from coachprog.calibration.services import is_calibrated
from coachprog.coaching.models import CoachPaperwork, Engagement
from coachprog.coaching.paperwork import services as paperwork_services
from coachprog.coaching.roster import services as roster
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.capstone import services as capstone_services
from coachprog.practicum.ledger import services as practicum
from coachprog.recordings import storage
from coachprog.recordings.consent import domain as consent_domain
from coachprog.recordings.consent import services as consent_rules
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.safeguarding.escalations import services as escalations
from coachprog.safeguarding.escalations.models import EscalationCase
from coachprog.safeguarding.incidents.models import Incident
from coachprog.seed import coaching as coaching_seed
from coachprog.seed.sprint import DEMO_SPRINT
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.models import Sprint
from coachprog.selection.panel import services as panel_services

SEED = ["seed", "--people", "120"]



@pytest.fixture
def seeded(runner) -> None:
    result = runner.invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "not seeded" not in result.output, result.output


def _user(email: str):
    user = auth_services.get_user_by_email(email)
    assert user is not None
    return user


def _sprint() -> Sprint:
    return db.session.scalar(sa.select(Sprint).where(Sprint.name == DEMO_SPRINT))


def test_every_rater_the_demo_sprint_assigns_is_calibrated_for_its_rubric(seeded) -> None:
    sprint = _sprint()
    links = [link for candidate in sprint.candidates for link in candidate.assessments]
    assert {link.purpose for link in links} == {
        "interview", "simulation-performance", "simulation-transition"}
    for link in links:
        raters = [a for a in link.assessment.assignments if a.role == "rater"]
        assert raters
        for assignment in raters:
            assert is_calibrated(assignment.rater_id, link.assessment.rubric_version.rubric_key,
                                 assignment.submitted_at), (assignment.rater.email, link.purpose)
    # The raters a visitor would assign next are calibrated for every stage rubric too.
    for email in ("rater@demo.example", "lead@demo.example"):
        for key in ("interview", "simulation-performance", "simulation-transition",
                    "capstone-brief", "session-review"):
            assert is_calibrated(_user(email).id, key), (email, key)


def test_the_demo_sprint_has_work_at_several_stages_and_moves_are_possible(seeded) -> None:
    sprint = _sprint()
    stages = sorted(c.stage for c in sprint.candidates if c.stage != "nominated")
    assert stages == ["applied", "applied", "interview", "interview", "rejected", "simulations"]
    movable = {c.stage for c in sprint.candidates
               if c.stage not in ("rejected", "nominated")
               and not candidate_services.what_is_missing(c)}
    # Admin can move someone on from applied, from interview and from simulations.
    assert movable == {"applied", "interview", "simulations"}
    # rater@ has an interview to score, with the evidence item it is about.
    rater = _user("rater@demo.example")
    open_ones = db.session.scalars(sa.select(Assessment).join(RaterAssignment).where(
        RaterAssignment.rater_id == rater.id, RaterAssignment.status == "assigned",
        Assessment.title.like(f"%{DEMO_SPRINT}"))).all()
    assert len(open_ones) == 1 and open_ones[0].evidence.subject_person_id is not None


def test_no_panel_member_is_conflicted_with_any_demo_candidate(seeded) -> None:
    sprint = _sprint()
    assert len(sprint.panel) == 3
    assert sprint.candidates
    for seat in sprint.panel:
        for candidate in sprint.candidates:
            assert panel_services.panel_conflict(seat.user, candidate) is None, (
                seat.user.email, candidate.person.name)


def test_coach_is_a_trainee_with_an_engagement_consent_hours_capstone_and_transcript(
        seeded) -> None:
    coach = _user("coach@demo.example")
    assert roster.is_appointed_coach(coach.person_id)
    assert paperwork_services.missing_paperwork_for(coach.person_id) == []
    engagement = db.session.scalar(sa.select(Engagement).where(
        Engagement.coach_person_id == coach.person_id, Engagement.goals ==
        coaching_seed.DEMO_GOALS))
    assert engagement is not None and engagement.status == "active"
    consent = consent_rules.current_consent(engagement.id)
    assert consent is not None and {"record", "transcribe", "supervisor_review"} <= \
        consent_domain.scopes_of(consent)
    # Hours: the practicum ledger has verified entries.
    assert practicum.hours_summary(coach.person_id).coached_hours > 0
    # A first capstone brief on this engagement, scored not passed by lead@ with notes on what
    # to change, so coach@ can revise it: the editor takes a new version now.
    briefs = capstone_services.briefs_of(coach.person_id)
    assert [b.engagement_id for b in briefs] == [engagement.id]
    result = capstone_services.result_of(briefs[0])
    assert result is not None and result["passed"] is False
    assert capstone_services.submission_block(coach, coach.person_id) is None
    # The real clip, stored as uploads are, transcribed, and theirs to open.
    recording = db.session.scalar(sa.select(Recording).join(CoachingSession).where(
        CoachingSession.engagement_id == engagement.id))
    assert recording.status == "done" and recording.transcript is not None
    assert storage.store().exists(recording.storage_name)
    assert recording.duration_seconds == pytest.approx(7.1, abs=0.2)
    text = " ".join(s.text for s in recording.transcript.segments)
    assert "John Dashwood" in text
    assert can(coach, "can_open_recording_content", recording)
    assert can(_user("lead@demo.example"), "can_open_recording_content", recording)
    for email in ("manager@demo.example", "sponsor@demo.example"):
        assert not can(_user(email), "can_open_recording_content", recording)
        assert not can(_user(email), "can_view_recording", recording)


def test_matched_and_certified_demo_coaches_have_complete_paperwork(seeded) -> None:
    from coachprog.certification.models import Certification

    matched = set(db.session.scalars(sa.select(Engagement.coach_person_id).where(
        Engagement.status == "active")))
    certified = set(db.session.scalars(sa.select(Certification.person_id)))
    assert matched and certified
    for person_id in matched | certified:
        assert paperwork_services.missing_paperwork_for(person_id) == [], person_id


def test_certified_demo_coaches_meet_their_level_by_the_real_evaluator(seeded, app) -> None:
    from coachprog.certification.models import Certification
    from coachprog.certification.services import evaluate_level

    certifications = db.session.scalars(sa.select(Certification)).all()
    assert len(certifications) == 3
    for certification in certifications:
        with app.test_request_context():  # the evidence links are URLs
            evaluation = evaluate_level(certification.person_id, certification.level)
        assert evaluation.all_met, [(r.label, r.detail) for r in evaluation.unmet]


def test_manager_has_an_agreement_to_sign_for_a_report(runner) -> None:
    # 320 people (the default): manager@ has reports beyond the nominee and coach@.
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "not seeded" not in result.output, result.output
    manager = _user("manager@demo.example")
    waiting = [row for row in db.session.scalars(sa.select(CoachPaperwork))
               if row.manager_person_id == manager.person_id and row.manager_signed_at is None]
    assert len(waiting) == 1
    paperwork_services.sign_as_manager(manager, waiting[0].coach_person_id)
    assert waiting[0].manager_signed_at is not None


def test_the_coaching_story_is_added_once(seeded, runner) -> None:
    counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Engagement, Recording, Sprint, CoachPaperwork)}
    assert runner.invoke(args=SEED).exit_code == 0
    db.session.expire_all()
    assert counts == {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Engagement, Recording, Sprint, CoachPaperwork)}


def _recording_of_coach() -> Recording:
    coach = _user("coach@demo.example")
    return db.session.scalar(sa.select(Recording).join(CoachingSession).join(Engagement).where(
        Engagement.coach_person_id == coach.person_id, Recording.storage_name.is_not(None)))


@pytest.mark.parametrize("email", ["coach@demo.example", "lead@demo.example"])
def test_coach_and_supervisor_play_the_demo_recording_and_read_its_transcript(
        seeded, auth, client, email) -> None:
    recording = _recording_of_coach()
    assert auth.login(email, "demo password for tests").status_code == 302
    page = client.get(f"/transcripts/{recording.id}")
    assert page.status_code == 200 and "Dashwood" in page.get_data(as_text=True)
    audio = client.get(f"/recordings/{recording.id}/audio")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"


@pytest.mark.parametrize("email", ["manager@demo.example", "sponsor@demo.example"])
def test_managers_and_sponsors_never_open_the_demo_recording(seeded, auth, client,
                                                             email) -> None:
    recording = _recording_of_coach()
    assert auth.login(email, "demo password for tests").status_code == 302
    for url in (f"/transcripts/{recording.id}", f"/recordings/{recording.id}",
                f"/recordings/{recording.id}/audio"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "Dashwood" not in response.get_data(as_text=True)


def test_the_program_story_has_a_charter_locked_gates_and_an_roi_range(seeded, runner) -> None:
    """The sponsor's dashboard is populated from the first run: a charter, gates written
    before the pilot (so locked now), and an ROI range from the KPI series; added once."""
    from coachprog.authority import SystemActor
    from coachprog.program.charter.models import ProgramGate
    from coachprog.program.metrics.models import ProgramObservation
    from coachprog.program.services import build_report

    report = build_report(SystemActor("test"))
    assert report["charter"]["locked"] and len(report["gates"]) == 2
    roi = report["roi"]
    assert roi["benefit"]["low"] < roi["benefit"]["base"] < roi["benefit"]["high"]
    assert report["tiers"]["3"]["coached"]["n"] == 40
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (ProgramGate, ProgramObservation)]
    assert runner.invoke(args=SEED).exit_code == 0
    db.session.expire_all()
    assert counts == [db.session.scalar(sa.select(sa.func.count()).select_from(model))
                      for model in (ProgramGate, ProgramObservation)]


def test_the_demo_safeguarding_case_reaches_its_path_and_is_added_once(seeded, runner) -> None:
    case = db.session.scalar(sa.select(EscalationCase))
    assert case is not None and case.category == "harassment"
    for email in ("master@demo.example", "admin@demo.example"):
        assert can(_user(email), "can_view_escalation", case), email
    for email in ("coach@demo.example", "lead@demo.example", "sponsor@demo.example",
                  "manager@demo.example"):
        assert not can(_user(email), "can_view_escalation", case), email
    assert [row.case.id for row in escalations.list_cases(_user("master@demo.example")).rows] \
        == [case.id]
    assert runner.invoke(args=SEED).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(EscalationCase.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Incident.id))) == 1


def test_master_coach_is_calibrated_for_every_rubric_the_demo_rates(seeded) -> None:
    master = _user("master@demo.example")
    for key in ("interview", "simulation-performance", "simulation-transition",
                "capstone-brief", "session-review"):
        assert is_calibrated(master.id, key), key


def test_rater_has_a_blind_review_of_coachs_recorded_session_to_hear_and_read(
        seeded, auth, client) -> None:
    from coachprog.seed.scoring import RECORDED_REVIEW

    review = db.session.scalar(sa.select(Assessment).where(Assessment.title == RECORDED_REVIEW))
    recording = _recording_of_coach()
    assert review is not None and review.blind and review.status == "open"
    assert review.evidence.recording_id == recording.id
    assert [a.rater.email for a in review.assignments] == ["rater@demo.example"]
    assert can(_user("rater@demo.example"), "can_score_blind_recording", recording)
    assert auth.login("rater@demo.example", "demo password for tests").status_code == 302
    page = client.get(f"/assessments/assignments/{review.assignments[0].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dashwood" in text
    assert _user("coach@demo.example").display_name not in text
    assert client.get(f"/recordings/{recording.id}/audio").status_code == 200


def test_master_coach_supervises_the_drifting_coach_and_has_a_moderation_waiting(
        seeded) -> None:
    from coachprog.audits.fidelity.models import FidelityDriftFlag
    from coachprog.seed import fidelity as fidelity_seed

    master = _user("master@demo.example")
    coach_id = db.session.scalar(sa.select(Engagement.coach_person_id).where(
        Engagement.goals == fidelity_seed.DEMO_GOALS))
    coach = db.session.get(Person, coach_id)
    assert can(master, "can_view_fidelity_signals", coach)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FidelityDriftFlag).where(
        FidelityDriftFlag.coach_person_id == coach_id, FidelityDriftFlag.status == "open")) == 1
    waiting = db.session.scalars(sa.select(Assessment).where(
        Assessment.status == "moderation")).all()
    assert any(can(master, "can_moderate_assessment", a) for a in waiting)


def test_demo_people_have_a_location_and_a_start_in_every_tenure_band(seeded) -> None:
    from datetime import date

    from coachprog.bias_audit.domain import tenure_thresholds

    people = db.session.execute(sa.select(Person.location, Person.hired_on)).all()
    assert people and all(location and hired_on for location, hired_on in people)
    assert len({location for location, _ in people}) >= 3
    thresholds = tenure_thresholds(date(2026, 12, 31))
    bands = {next(code for code, latest in thresholds if hired_on <= latest)
             for _, hired_on in people if hired_on <= date(2026, 12, 31)}
    assert bands == {"t10", "t5", "t3", "t1", "t0"}

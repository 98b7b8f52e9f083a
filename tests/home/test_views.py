"""Home page: what needs each role's attention, from live data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coachprog.auth.models import User
from coachprog.authority import SystemActor, can
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import services as entry_services
from coachprog.selection.practice import services as practice_services
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import APPLICATION, candidate_at, sprint


def test_anonymous_home_redirects_to_sign_in(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_with_no_people_is_told_to_import(auth, client) -> None:
    auth.login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "No people yet" in page and "/people/import" in page


def test_admin_sees_directory_and_role_warnings(auth, client) -> None:
    auth.login_as("admin")
    boss = PersonFactory()
    PersonFactory.create_batch(3, manager=boss)
    PersonFactory.create_batch(2)  # no manager on record
    UserFactory()  # an account without a role
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "active people in the directory" in page
    assert "have no manager on record" in page
    assert "accounts hold no role" in page


def test_sponsor_sees_aggregates_with_small_groups_suppressed(auth, client) -> None:
    auth.login_as("sponsor")
    PersonFactory.create_batch(7, department="Sales")
    PersonFactory.create_batch(6, department="Finance")
    PersonFactory.create_batch(2, department="Legal")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Organisation at a glance" in page
    assert ">7<" in page
    assert ">2<" not in page and ">6<" not in page  # Legal suppressed, and Finance with it
    assert page.count("suppressed</span>") == 2
    assert "person0@example.com" not in page  # aggregates only, never names


def test_manager_sees_their_team_size(auth, client) -> None:
    me = PersonFactory()
    PersonFactory.create_batch(4, manager=me)
    db.session.commit()
    auth.login_as("manager", person_id=me.id)
    page = client.get("/").get_data(as_text=True)
    assert "active people in your reporting line" in page and ">4<" in page
    # The People list shows the same four, plus the manager's own record, and says so.
    listed = client.get("/people/").get_data(as_text=True)
    assert "1–5 of 5" in listed and "You and the people in your reporting line" in listed


def test_manager_without_a_directory_link_is_told_so(auth, client) -> None:
    auth.login_as("manager")
    assert "not linked to your directory record" in client.get("/").get_data(as_text=True)


EXPECTED_NAV = {role: {*items, "My data"} for role, items in {
    "admin": {"People", "Coaches", "Engagements", "Audit coverage", "Selection sprints",
              "Calibration", "Practicum", "Recordings", "Assessments",
              "Certification", "Audits", "Rubrics", "Users and roles", "Import people",
              "Consent texts", "Audit log", "E-mail outbox", "Program outcomes",
              "Program charter", "Import indicators", "Erasure requests", "Safeguarding cases",
              "Incidents and adverse effects", "Safeguarding in numbers", "Bias audit"},
    "master_coach": {"People", "Coaches", "Engagements", "Audit coverage", "Selection sprints",
                     "Calibration", "Practicum", "Supervision", "Recordings", "Assessments",
                     "Certification", "My audits", "Supervision structure", "Fidelity",
                     "Sensitive-topic flags", "Rubrics", "Safeguarding cases",
                     "Record an incident"},
    "lead_coach": {"People", "Coaches", "Engagements", "Selection sprints", "Calibration",
                   "Practicum", "Supervision", "Recordings", "Assessments", "My certification",
                   "Supervision structure", "Fidelity", "Rubrics", "Safeguarding cases",
                   "Record an incident"},
    "rater": {"Selection sprints", "Calibration", "Recordings", "Assessments", "My audits",
              "Rubrics"},
    "coach": {"Engagements", "Selection sprints", "My practicum", "My supervision", "Recordings",
              "My certification", "Fidelity", "Rubrics", "Raise a safeguarding concern",
              "Record an incident"},
    "manager": {"People", "Selection sprints"},
    "sponsor": {"Audit coverage", "Selection sprints", "Program outcomes",
                "Safeguarding in numbers", "Bias audit"},
}.items()}
# Everyone signed in reads the published policy; with a directory record, their own opt-outs.
PRIVACY = {"How data may be used", "What is held about you", "My opt-outs"}
EXPECTED_NAV = {role: items | PRIVACY for role, items in EXPECTED_NAV.items()}
EXPECTED_NAV["admin"] |= {"Opt-outs", "Retention register"}


def _menu(page: str) -> set[str]:
    nav = page.split('<nav aria-label="Main" id="main-menu">', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'<a href="[^"]+">([^<]+)</a>', nav)) - {"Home"}


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_navigation_shows_exactly_what_the_role_may_use(auth, client, role) -> None:
    auth.login_as(role, person_id=PersonFactory().id)
    page = client.get("/").get_data(as_text=True)
    assert _menu(page) == EXPECTED_NAV[role]


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_every_menu_item_opens_for_its_role(auth, client, role) -> None:
    """The menu never offers a page that refuses the user."""
    auth.login_as(role, person_id=PersonFactory().id)
    page = client.get("/").get_data(as_text=True)
    nav = page.split('<nav aria-label="Main" id="main-menu">', 1)[1].split("</nav>", 1)[0]
    for href in re.findall(r'<a href="([^"]+)">', nav):
        assert client.get(href, follow_redirects=True).status_code == 200, href


def test_menu_groups_by_task(auth, client) -> None:
    auth.login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert re.findall(r"<summary>([^<]+)</summary>", page) == [
        "Program", "Selection", "Practice", "Quality", "Admin", "Privacy"]


def test_unknown_permission_names_are_a_programming_error() -> None:
    with pytest.raises(KeyError, match="no permission rule"):
        can(None, "can_do_anything")


def test_rater_and_master_coach_see_their_scoring_work(auth, client) -> None:
    from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
    from tests.assessments.builders import rubric_version

    version = rubric_version()
    evidence = EvidenceItem(title="Recording")
    db.session.add(evidence)
    db.session.flush()
    rater = UserFactory(roles=["rater"])
    open_one = Assessment(evidence_item_id=evidence.id, rubric_version_id=version.id,
                          title="A", subject_pseudonym="Candidate AAAA", status="open")
    waiting = Assessment(evidence_item_id=evidence.id, rubric_version_id=version.id,
                         title="B", subject_pseudonym="Candidate BBBB", status="moderation")
    db.session.add_all([open_one, waiting])
    db.session.flush()
    db.session.add(RaterAssignment(assessment_id=open_one.id, rater_id=rater.id))
    db.session.commit()
    auth.login(rater.email)
    page = client.get("/").get_data(as_text=True)
    assert "assessments to score" in page and ">1<" in page
    auth.logout()
    auth.login_as("master_coach")
    page = client.get("/").get_data(as_text=True)
    assert "assessments waiting for moderation" in page


# --- selection sprints and coaching ---------------------------------------------------------


def test_employees_see_open_sprints_and_their_candidacy(auth, client) -> None:
    row = sprint(name="Spring cohort")
    person = PersonFactory()
    db.session.commit()
    auth.login_as(person_id=person.id)
    page = client.get("/").get_data(as_text=True)
    assert "Spring cohort takes nominations and applications until" in page

    user = db.session.query(User).filter_by(person_id=person.id).one()
    candidate = entry_services.apply(user, row, text=APPLICATION)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Your candidacy in Spring cohort: Applied" in page
    assert f"/sprints/{row.id}/candidates/{candidate.id}/mine" in page


def test_panel_members_see_decisions_to_record(auth, client) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    sponsor = next(m.user for m in candidate.sprint.panel if m.panel_role == "business_sponsor")
    db.session.commit()
    auth.login(sponsor.email)
    page = client.get("/").get_data(as_text=True)
    assert f"Panel decision to record: {candidate.person.name}" in page


def test_late_stages_and_unverified_hours_reach_admins_and_supervisors(auth, client) -> None:
    candidate = candidate_at(CandidateStage.SUPERVISED_PRACTICE)
    practice_services.log_practice_hours(SystemActor("t"), candidate, session_date=utcnow().date(),
                                 minutes=60)
    row = candidate.sprint
    row.start_date = utcnow().date() - timedelta(days=70)  # practice should be over
    db.session.commit()
    auth.login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "should have finished on" in page
    auth.logout()
    auth.login_as("lead_coach")
    page = client.get("/").get_data(as_text=True)
    assert "practice-hour entries waiting" in page


def test_a_coachee_finds_the_consent_for_their_coaching_on_home(auth, client) -> None:
    from tests.recordings.consent.builders import consent, engagement

    eng = engagement()
    db.session.commit()
    auth.login_as(person_id=eng.coachee_person_id)
    page = client.get("/").get_data(as_text=True)
    assert f"Your coaching with {eng.coach.name}: consent for recorded sessions (not given)" \
        in page
    assert f"/consent/engagements/{eng.id}" in page
    consent(eng)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "(given — you can change or withdraw it)" in page


def test_a_supervising_master_coach_sees_open_flags_on_home(auth, client) -> None:
    from tests.recordings.review.review_builders import (
        master_supervisor,
        open_flag,
        reviewed_recording,
    )

    reviewed = reviewed_recording()
    master = master_supervisor(reviewed.world.coach.id)
    open_flag(reviewed.recording)
    UserFactory(roles=[Role.MASTER_COACH], email="other.master@example.com")
    db.session.commit()
    auth.login(master.email)
    page = client.get("/").get_data(as_text=True)
    assert "sensitive-topic flags on sessions you supervise" in page
    assert "/transcripts/flags" in page
    auth.logout()
    auth.login("other.master@example.com")
    assert "sensitive-topic flags" not in client.get("/").get_data(as_text=True)


def test_a_failed_job_can_be_hidden_and_goes_once_a_later_one_succeeds(auth, client) -> None:
    from coachprog.jobs.models import Job
    from tests.conftest import csrf_token

    auth.login_as("admin")
    failed = Job(kind="people_import", status="failed", payload={}, error="Row 3: bad e-mail")
    other = Job(kind="certificate_batch", status="failed", payload={}, error="disk full")
    db.session.add_all([failed, other])
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "People import failed: Row 3: bad e-mail" in page
    assert "Certificate batch failed: disk full" in page

    token = csrf_token(client, "/")
    response = client.post("/home/dismiss", data={"key": f"job-failed:{other.id}",
                                                  "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Certificate batch failed" not in page and "Hidden." in page
    assert "People import failed" in page  # only what was hidden is gone

    db.session.add(Job(kind="people_import", status="succeeded", payload={}))
    db.session.commit()
    assert "People import failed" not in client.get("/").get_data(as_text=True)

    # Hidden for this admin only.
    auth.logout()
    auth.login_as("admin")
    assert "Certificate batch failed" in client.get("/").get_data(as_text=True)


def test_hiding_without_naming_an_item_says_so(auth, client) -> None:
    from tests.conftest import csrf_token

    auth.login_as("admin")
    response = client.post("/home/dismiss", data={"key": " ",
                                                  "csrf_token": csrf_token(client, "/")},
                           follow_redirects=True)
    assert "Nothing to hide was named." in response.get_data(as_text=True)


def test_appointed_coaches_without_a_supervisor_are_prompted(auth, client) -> None:
    from coachprog.coaching.models import SupervisorAssignment
    from coachprog.selection.domain import CandidateStage
    from tests.selection.builders import candidate_at

    coach = candidate_at(CandidateStage.APPOINTED).person
    db.session.commit()
    admin = auth.login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "appointed coaches have no supervisor yet" in page
    db.session.add(SupervisorAssignment(coach_person_id=coach.id, supervisor_user_id=admin.id))
    db.session.commit()
    assert "have no supervisor yet" not in client.get("/").get_data(as_text=True)


def test_home_items_that_count_nothing_are_left_out(auth, client) -> None:
    # Issue 21: the admin's home said "0 1:1 supervisions overdue".
    auth.login_as(Role.ADMIN)
    page = client.get("/").get_data(as_text=True)
    assert "Program overview: trainees, hours, gates" in page
    assert "1:1 supervisions overdue" not in page
    assert "Written feedback overdue" not in page
    assert not re.search(r'class="count">0</strong>', page)

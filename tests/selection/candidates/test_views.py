"""A candidate's pages through the Flask client: the evidence pack, guarded moves, stage
assessments, rejection and withdrawal, and the candidate's own view in plain words."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.candidates import domain as candidate_domain
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.panel import services as panel_services
from tests.assessments.builders import LOW
from tests.conftest import Auth, post_form
from tests.selection.builders import (
    SYSTEM,
    applicant,
    candidate_at,
    passed_assessment,
    sprint,
    stage_rubrics,
)
from tests.selection.helpers import (
    EXIT_REASON,
    follow,
    make_person,
    make_user,
    path_of,
    reload_candidate,
    sign_in,
    text_of,
    user_of,
)


def test_board_button_moves_and_a_guard_refusal_comes_back_with_its_reasons(
        client: FlaskClient, auth: Auth) -> None:
    row = sprint()
    candidate = applicant(row, make_person(name="Gil Guarded"))
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/advance"), {"target": "interview"})
    assert response.headers["Location"].endswith(f"/sprints/{row.id}")
    assert "Gil Guarded moved to interview." in follow(client, response)
    response = post_form(client, path_of(candidate, "/advance"), {"target": "simulations"})
    page = follow(client, response)
    assert "Gil Guarded was not moved. No interview assessment is recorded" in page
    assert reload_candidate(candidate.id).stage == "interview"
    page = follow(client, post_form(client, path_of(candidate, "/advance"), {"target": "panel"}))
    assert "cannot move to calibration panel: the next stage is simulations" in page
    page = follow(client, post_form(client, path_of(candidate, "/advance"), {"target": "done"}))
    assert "There is no stage called &#39;done&#39;." in page


def test_moves_follow_only_a_safe_next(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/advance?next=https://evil.example/x"),
                         {"target": "interview"})
    assert response.headers["Location"].endswith(f"/sprints/{candidate.sprint_id}")
    response = post_form(client, path_of(candidate, f"/advance?next={path_of(candidate)}"),
                         {"target": "simulations"})
    assert response.headers["Location"].endswith(path_of(candidate))


def test_a_candidate_of_another_sprint_is_not_found_here(client: FlaskClient,
                                                         auth: Auth) -> None:
    candidate = applicant(sprint())
    other = sprint(name="Other")
    auth.login_as(Role.ADMIN)
    wrong = f"/sprints/{other.id}/candidates/{candidate.id}"
    assert client.get(wrong).status_code == 404
    for suffix, data in (("/advance", {"target": "interview"}), ("/reject", {"reason": "x"}),
                         ("/withdraw", {"reason": "x"}), ("/hours", {}),
                         ("/assessments", {"purpose": "interview"})):
        assert post_form(client, wrong + suffix, data).status_code == 404, suffix
    assert reload_candidate(candidate.id).stage == "applied"
    assert client.get(f"/sprints/{other.id}/candidates/999999").status_code == 404


def test_candidate_page_shows_the_full_evidence_pack(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.PANEL)
    members = {m.panel_role: m.user for m in candidate.sprint.panel}
    panel_services.record_panel_decision(members["hr_ld"], candidate, verdict="appoint",
                                    reasons="Strong contracting, QZ-3 evidence.")
    auth.login_as(Role.MASTER_COACH)
    page = text_of(client.get(path_of(candidate)))
    assert candidate.person.name in page and "Engineering" in page
    assert "I coached two new team leads" in page  # the application
    assert "Behavioural interview" in page and "Simulation: performance scenario" in page
    assert page.count("Passed: overall 100% ≥ 60%") == 3
    link = candidate.assessments[0].assessment_id
    assert f'href="/assessments/{link}"' in page
    assert "Verified coached hours: <strong>8</strong> of at least 8 (target 12)" in page
    assert '<progress id="hours-progress" max="12.0" value="8.0">67 %</progress>' in page
    assert "Session 3 recording" in page and "let silences run longer" in page
    assert "Strong contracting, QZ-3 evidence." in page and "Hana Rees" in page
    assert "The External master coach has not recorded a decision." in page
    assert "incomplete — not every member has decided" in page
    assert "Applied → Interview" in page  # the history
    for private in ("gender", "ethnicity", "age_band", "disability", "Tell us about yourself"):
        assert private not in page


def test_candidate_page_actions_follow_permissions(client: FlaskClient, auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    page = text_of(client.get(path_of(candidate)))
    assert 'id="reject"' in page and 'id="withdraw"' in page
    assert '<option value="interview">Behavioural interview</option>' in page
    assert "Move to simulations" in page
    sign_in(client, make_user(Role.LEAD_COACH))
    page = text_of(client.get(path_of(candidate)))
    assert 'id="reject"' not in page and "Move to simulations" not in page
    assert 'name="purpose"' not in page


def test_admin_creates_the_stage_assessment_then_assigns_raters(client: FlaskClient,
                                                                auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    stage_rubrics()
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/assessments"), {"purpose": ""})
    assert response.status_code == 400
    assert ('id="purpose-error" role="alert">Choose the interview or one of the two '
            'simulations.') in text_of(response)
    response = post_form(client, path_of(candidate, "/assessments"), {"purpose": "interview"})
    [link] = reload_candidate(candidate.id).assessments
    assert response.headers["Location"].endswith(f"/assessments/{link.assessment_id}")
    assert "Assign its raters here" in follow(client, response)
    response = post_form(client, path_of(candidate, "/assessments"), {"purpose": "interview"})
    assert "already exists" in follow(client, response)


def test_rejection_needs_a_reason_shown_next_to_the_field(client: FlaskClient,
                                                          auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.ADMIN)
    response = post_form(client, path_of(candidate, "/reject"), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="reject-reason-error" role="alert">Give a reason for the rejection.' in \
        text_of(response)
    response = post_form(client, path_of(candidate, "/reject"), {"reason": "x" * 2001})
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in text_of(response)
    assert reload_candidate(candidate.id).stage == "interview"
    response = post_form(client, path_of(candidate, f"/reject?next={path_of(candidate)}"),
                         {"reason": EXIT_REASON})
    page = follow(client, response)
    assert "is rejected. They are told in neutral words" in page
    assert EXIT_REASON in page  # staff read the recorded reason in the history
    assert reload_candidate(candidate.id).stage == "rejected"


def test_only_admins_move_reject_or_create_assessments(client: FlaskClient,
                                                       auth: Auth) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    auth.login_as(Role.MASTER_COACH)
    assert post_form(client, path_of(candidate, "/advance"),
                     {"target": "simulations"}).status_code == 403
    assert post_form(client, path_of(candidate, "/reject"), {"reason": "No."}).status_code == 403
    assert post_form(client, path_of(candidate, "/withdraw"), {"reason": "No."}).status_code == 403
    assert post_form(client, path_of(candidate, "/assessments"),
                     {"purpose": "interview"}).status_code == 403
    assert reload_candidate(candidate.id).stage == "interview"


def test_own_candidacy_in_plain_words_with_the_calendar(client: FlaskClient,
                                                        app: Flask) -> None:
    candidate = candidate_at(CandidateStage.INTERVIEW)
    sign_in(client, user_of(candidate))
    page = text_of(client.get(path_of(candidate, "/mine")))
    assert "You are at the behavioural interview." in page
    assert "What happens next" in page
    assert "Shadowing &amp; supervised practice" in page  # the calendar
    assert 'id="withdraw"' in page
    self_report = "Tell us about yourself (optional, for fairness monitoring)"
    assert (self_report in page) == ("selection_impact.self_report" in app.view_functions)
    # Their own evidence pack is for staff and the panel.
    assert client.get(path_of(candidate)).status_code == 403


def test_own_view_never_shows_scores_or_the_recorded_reason(client: FlaskClient) -> None:
    candidate = candidate_at(CandidateStage.SIMULATIONS)
    passed_assessment(candidate, "simulation-performance", LOW)
    candidate_services.reject_candidate(SYSTEM, candidate, EXIT_REASON)
    sign_in(client, user_of(candidate))
    page = text_of(client.get(path_of(candidate, "/mine")))
    assert str(escape(candidate_domain.candidate_notice("rejected", candidate.sprint.name))) in page
    for secret in (EXIT_REASON, "XJ-7781", "did not pass", "Passed", "%", "rater"):
        assert secret not in page, secret
    assert 'id="withdraw"' not in page


def test_candidate_withdraws_with_a_reason(client: FlaskClient) -> None:
    candidate = applicant(sprint())
    sign_in(client, user_of(candidate))
    response = post_form(client, path_of(candidate, "/withdraw"), {"reason": "", "origin": "mine"})
    assert response.status_code == 400
    assert 'id="withdraw-reason-error" role="alert">Give a reason for the withdrawal.' in \
        text_of(response)
    response = post_form(client, path_of(candidate, "/withdraw"),
                         {"reason": "A new role takes my time.", "origin": "mine"})
    page = follow(client, response)
    assert "The candidacy is withdrawn." in page
    notice = candidate_domain.candidate_notice("withdrawn", candidate.sprint.name)
    assert str(escape(notice)) in page
    assert "A new role takes my time." not in page


def test_nobody_else_opens_or_acts_on_a_candidacy(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.MANAGER, person_id=make_person().id)
    assert client.get(path_of(candidate, "/mine")).status_code == 403
    assert post_form(client, path_of(candidate, "/withdraw"), {"reason": "x"}).status_code == 403
    assert post_form(client, path_of(candidate, "/hours"), {"minutes": "60"}).status_code == 403
    assert reload_candidate(candidate.id).stage == "applied"


def test_forms_refuse_posts_without_a_csrf_token(client: FlaskClient, auth: Auth) -> None:
    candidate = applicant(sprint())
    auth.login_as(Role.ADMIN)
    assert client.post(path_of(candidate, "/advance"), data={"target": "interview"}).status_code \
        == 400
    assert client.post("/sprints/new", data={"name": "X"}).status_code == 400
    assert reload_candidate(candidate.id).stage == "applied"


def test_rejecting_twice_explains_instead_of_showing_a_hidden_form(client, auth: Auth) -> None:
    candidate = applicant(sprint())
    candidate_services.reject_candidate(SYSTEM, candidate, "Not this time.")
    db.session.commit()
    auth.login_as("admin")
    response = post_form(client, path_of(candidate, "/reject"), {"reason": "Again"})
    assert response.status_code == 302
    page = follow(client, response)
    assert "was not rejected. The candidate is rejected, which is final" in page

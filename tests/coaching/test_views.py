"""Coaching pages through the client: they explain themselves, bad input comes back next to
its field with nothing lost, signatures are given by the parties themselves, refusals list
every reason."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.coaching.evaluations import services as evaluation_services
from coachprog.coaching.models import Engagement, EvaluationRelationship
from coachprog.coaching.paperwork import consent_templates
from coachprog.coaching.paperwork import services as paperwork_services
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.coaching.builders import (
    appointed_coach,
    engagement,
    evaluation,
    paperwork,
    ready_coach,
)
from tests.conftest import Auth, post_form
from tests.factories import PersonFactory, UserFactory


def _text(response: Any) -> str:
    """The page with whitespace collapsed, so phrases read as a person reads them."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def sign_in(client: FlaskClient, user: Any) -> None:
    with client.session_transaction() as session:
        session.clear()
    assert Auth(client).login(user.email).status_code == 302


def field_error(page: str, field_id: str) -> str:
    """The error message shown next to one field (empty when there is none)."""
    match = re.search(rf'<p class="error" id="{field_id}-error" role="alert">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else ""


def paperwork_form(**changes: str) -> dict[str, str]:
    return {"protected_percent": "15", "weekly_hours": "40",
            "consent_template_version": consent_templates.PLACEHOLDER_CONSENT_VERSION,
            "role_scope": "First-line managers", "escalation_paths": "HR business partner",
            "supervision_arrangement": "Monthly with a master coach", **changes}


# --- coaches and paperwork ---------------------------------------------------------------------


def test_coaches_list_explains_and_shows_status(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.LEAD_COACH)
    ready = ready_coach(name="Ada Ready")
    engagement(ready, PersonFactory(), hours=2.0)
    unsigned = appointed_coach(name="Bo Unsigned")
    paperwork(unsigned, signed=False)
    db.session.commit()
    page = _text(client.get("/coaching/coaches"))
    assert "Before a coach works with anyone, three documents must exist" in page
    assert re.search(r"Ada Ready.*complete.*2 h of 6 h a week", page)
    assert re.search(r"Bo Unsigned.*incomplete.*3 items missing", page)
    assert "Match a coach with a coachee" not in page  # a lead coach does not match


def test_empty_coaches_list_says_where_coaches_come_from(client: FlaskClient,
                                                          auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    assert "No one has been appointed yet" in _text(client.get("/coaching/coaches"))


def test_paperwork_page_lists_what_is_missing_in_plain_words(client: FlaskClient,
                                                             auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach(name="Casey Coach")
    db.session.commit()
    page = _text(client.get(f"/coaching/coaches/{coach.id}/paperwork"))
    assert "Missing before Casey Coach can be matched with any coachee" in page
    assert "The manager time-allocation agreement has not been drawn up." in page
    assert "The coaching role profile has not been written." in page
    assert "Not drawn up yet." in page
    assert paperwork_services.NON_EVALUATOR_CLAUSE in page
    assert "Draw up paperwork" in page


def test_paperwork_page_of_someone_never_appointed_is_not_found(client: FlaskClient,
                                                               auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    person = PersonFactory()
    db.session.commit()
    assert client.get(f"/coaching/coaches/{person.id}/paperwork").status_code == 404
    assert client.get("/coaching/coaches/999999/paperwork").status_code == 404


def test_admin_draws_up_paperwork(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach(name="Casey Coach")
    db.session.commit()
    page = _text(client.get(f"/coaching/coaches/{coach.id}/paperwork/edit"))
    assert "Morgan Manager, Casey Coach's manager in the directory" in page
    assert re.search(r'id="weekly_hours"[^>]*value="40(\.0)?"', page)  # the default
    assert "Placeholder v0" in page
    response = post_form(client, f"/coaching/coaches/{coach.id}/paperwork/edit",
                         paperwork_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coaching/coaches/{coach.id}/paperwork")
    page = _text(client.get(response.headers["Location"]))
    assert "Paperwork saved." in page
    assert "15 % of 40 h a week = 6 h a week" in page
    assert "The coach's manager has not signed the time-allocation agreement." in page
    assert "This is a placeholder" in page
    assert "First-line managers" in page
    # The edit form comes back filled in.
    page = _text(client.get(f"/coaching/coaches/{coach.id}/paperwork/edit"))
    assert re.search(r'id="protected_percent"[^>]*value="15(\.0)?"', page)


def test_bad_paperwork_input_comes_back_next_to_its_field(client: FlaskClient,
                                                          auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach()
    db.session.commit()
    url = f"/coaching/coaches/{coach.id}/paperwork/edit"
    response = post_form(client, url, paperwork_form(protected_percent="20.1",
                                                     role_scope="Keep me"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "between 10 % and 20 %" in field_error(page, "protected_percent")
    assert "Keep me" in page  # nothing typed is lost
    response = post_form(client, url, paperwork_form(protected_percent="fifteen",
                                                     weekly_hours="70"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "protected_percent") == "Enter a number, e.g. 15 or 12.5."
    assert paperwork_services.paperwork_for(coach.id) is None
    response = post_form(client, url, paperwork_form(weekly_hours="70"))
    assert "between 1 and 60" in field_error(response.get_data(as_text=True), "weekly_hours")
    # A percent sign and a decimal comma are understood.
    assert post_form(client, url, paperwork_form(protected_percent="12,5 %")).status_code == 302
    assert paperwork_services.paperwork_for(coach.id).protected_percent == 12.5


def test_both_parties_sign_on_the_page(client: FlaskClient, auth: Auth) -> None:
    coach = appointed_coach(name="Casey Coach")
    paperwork(coach, signed=False)
    coach_user = UserFactory(person_id=coach.id, roles=[Role.COACH])
    manager_user = UserFactory(person_id=coach.manager_id, roles=[Role.MANAGER])
    db.session.commit()
    url = f"/coaching/coaches/{coach.id}/paperwork"

    sign_in(client, coach_user)
    page = _text(client.get(url))
    assert "Sign the agreement as the coach" in page
    assert "Sign the agreement as the coach's manager" not in page
    # Without the clause: the page comes back with the reason next to the checkbox.
    response = post_form(client, url + "/sign/coach", {})
    assert response.status_code == 400
    assert "Tick the box to accept the non-evaluator clause" in field_error(
        response.get_data(as_text=True), "accept-clause")
    response = post_form(client, url + "/sign/coach", {"accept_clause": "y"})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "You signed the time-allocation agreement and accepted the non-evaluator clause." \
        in page
    assert "You signed on" in page
    response = post_form(client, url + "/sign/coach", {"accept_clause": "y"})
    assert "needs no second signature" in _text(client.get(response.headers["Location"]))
    # The coach cannot sign for the manager.
    assert post_form(client, url + "/sign/manager", {}).status_code == 403

    sign_in(client, manager_user)
    page = _text(client.get(url))
    assert "Sign the agreement as the coach's manager" in page
    assert post_form(client, url + "/sign/coach", {"accept_clause": "y"}).status_code == 403
    response = post_form(client, url + "/sign/manager", {})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "You signed the time-allocation agreement as the coach's manager." in page
    assert "The agreement is signed by both parties." in page
    assert paperwork_services.missing_paperwork_for(coach.id) == []


def test_coach_sees_that_there_is_nothing_to_sign_yet(client: FlaskClient) -> None:
    coach = appointed_coach()
    paperwork(coach, percent=None, signed=False)
    coach_user = UserFactory(person_id=coach.id, roles=[Role.COACH])
    db.session.commit()
    sign_in(client, coach_user)
    url = f"/coaching/coaches/{coach.id}/paperwork"
    assert "Sign the agreement" not in _text(client.get(url))
    response = post_form(client, url + "/sign/coach", {"accept_clause": "y"})
    assert response.status_code == 302
    assert "There is no agreement to sign yet" in _text(client.get(response.headers["Location"]))


def test_admin_cannot_sign_for_anyone(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach()
    paperwork(coach, signed=False)
    db.session.commit()
    url = f"/coaching/coaches/{coach.id}/paperwork"
    assert "Sign the agreement" not in _text(client.get(url))
    assert post_form(client, url + "/sign/coach", {"accept_clause": "y"}).status_code == 403
    assert post_form(client, url + "/sign/manager", {}).status_code == 403
    assert paperwork_services.paperwork_for(coach.id).coach_signed_at is None


def test_changing_signed_terms_says_the_signatures_were_cleared(client: FlaskClient,
                                                                auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = ready_coach()
    db.session.commit()
    url = f"/coaching/coaches/{coach.id}/paperwork/edit"
    page = _text(client.get(url))
    assert "Already signed by both parties" in page
    assert "clears both signatures" in page
    response = post_form(client, url, paperwork_form(protected_percent="12"))
    page = _text(client.get(response.headers["Location"]))
    assert "both signatures were cleared" in page
    assert "The coach has not signed the time-allocation agreement." in page


# --- engagements -------------------------------------------------------------------------------


def engagement_form(coach: Any, coachee: Any, **changes: str) -> dict[str, str]:
    return {"coach_person_id": str(coach.id), "coachee_employee_id": coachee.employee_id,
            "start_date": "2025-05-01", "goals": "Delegate more", "kpi_name": "Team eNPS",
            "session_cap": "8", "hours_per_week": "1", **changes}


def test_admin_matches_a_coach_with_a_coachee(client: FlaskClient, auth: Auth) -> None:
    admin = auth.login_as(Role.ADMIN)
    coach, coachee = ready_coach(name="Casey Coach"), PersonFactory(name="Dana Coachee")
    not_ready = appointed_coach(name="Nico Notready")
    db.session.commit()
    page = _text(client.get("/coaching/engagements/new"))
    assert "Casey Coach" in page and "6 h a week free" in page
    assert "Nico Notready" in page and "paperwork incomplete" in page
    assert not_ready
    response = post_form(client, "/coaching/engagements/new", engagement_form(coach, coachee))
    assert response.status_code == 302
    row = db.session.scalar(sa.select(Engagement))
    assert response.headers["Location"].endswith(f"/coaching/engagements/{row.id}")
    page = _text(client.get(response.headers["Location"]))
    assert "Casey Coach now coaches Dana Coachee." in page
    assert "Delegate more" in page and "Team eNPS" in page and "8 sessions" in page
    assert "every opening of this page is recorded in the audit log" in page
    viewed = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "coaching.engagement_viewed"))
    assert viewed.actor_id == admin.id and viewed.object_id == str(row.id)


def test_refused_match_lists_every_reason(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach()
    paperwork(coach, percent=10.0, signed=False)
    coachee = PersonFactory(manager=coach)
    evaluation(coach, coachee)
    for _ in range(4):
        engagement(coach, PersonFactory())
    db.session.commit()
    response = post_form(client, "/coaching/engagements/new",
                         engagement_form(coach, coachee, goals="Keep these goals"))
    assert response.status_code == 400
    page = _text(response)
    assert "This match cannot be made" in page
    for reason in ("appointment paperwork is incomplete", "in the coachee's management chain",
                   "The coach evaluates the coachee's performance",
                   "over their protected-time capacity"):
        assert reason in page, reason
    assert "Keep these goals" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Engagement)) == 4


def test_bad_engagement_input_comes_back_next_to_its_field(client: FlaskClient,
                                                           auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach, coachee = ready_coach(), PersonFactory()
    db.session.commit()
    response = post_form(client, "/coaching/engagements/new", engagement_form(
        coach, coachee, coachee_employee_id="NOPE-1", session_cap="51", hours_per_week="0.1",
        goals=""))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "coachee_employee_id") == "No person with employee id NOPE-1."
    assert "from 1 to 50" in field_error(page, "session_cap")
    assert "between 0.25 and 8" in field_error(page, "hours_per_week")
    assert "Write the goals" in field_error(page, "goals")
    response = post_form(client, "/coaching/engagements/new", engagement_form(
        coach, coachee, start_date="01/05/2025", session_cap="eight"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "YYYY-MM-DD" in field_error(page, "start_date")
    assert field_error(page, "session_cap") == "Enter a whole number, e.g. 8."
    # Someone not appointed is refused next to the coach field.
    outsider = PersonFactory()
    db.session.commit()
    response = post_form(client, "/coaching/engagements/new",
                         engagement_form(outsider, coachee))
    assert "is not an appointed coach" in field_error(response.get_data(as_text=True),
                                                      "coach_person_id")


def test_admin_ends_an_engagement(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    row = engagement(ready_coach(), PersonFactory())
    db.session.commit()
    url = f"/coaching/engagements/{row.id}"
    assert "End engagement" in _text(client.get(url))
    response = post_form(client, url + "/end", {})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "The engagement has ended." in page
    assert "End engagement" not in page
    response = post_form(client, url + "/end", {})
    assert "already ended" in _text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Engagement, row.id).status == "ended"


def test_engagement_page_warns_when_the_match_would_now_be_refused(client: FlaskClient,
                                                                  auth: Auth) -> None:
    auth.login_as(Role.MASTER_COACH)
    coach, coachee = ready_coach(), PersonFactory()
    row = engagement(coach, coachee)
    evaluation(coach, coachee)
    db.session.commit()
    page = _text(client.get(f"/coaching/engagements/{row.id}"))
    assert "This match would be refused if it were made today" in page
    assert "The coach evaluates the coachee's performance" in page


def test_coach_lists_their_own_engagements(client: FlaskClient) -> None:
    coach = ready_coach()
    mine = engagement(coach, PersonFactory(name="Mine Coachee"))
    engagement(ready_coach(), PersonFactory(name="Other Coachee"))
    coach_user = UserFactory(person_id=coach.id, roles=[Role.COACH])
    db.session.commit()
    sign_in(client, coach_user)
    page = _text(client.get("/coaching/engagements"))
    assert "The coaching relationships you are part of." in page
    assert "Mine Coachee" in page and "Other Coachee" not in page
    assert "Match a coach with a coachee" not in page
    assert client.get(f"/coaching/engagements/{mine.id}").status_code == 200
    assert client.get("/coaching/engagements/999999").status_code == 404


# --- evaluation relationships ------------------------------------------------------------------


def test_admin_records_and_removes_evaluations(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    person = PersonFactory(name="Pat Person")
    other = PersonFactory(name="Oli Other")
    db.session.commit()
    url = f"/coaching/people/{person.id}/evaluations"
    page = _text(client.get(url))
    assert "Who reviews whose performance outside the reporting line" in page
    assert "Pat Person reviews the other person's performance" in page
    response = post_form(client, url, {"direction": evaluation_services.EVALUATED_BY,
                                       "other_employee_id": other.employee_id,
                                       "note": "Project lead"})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "Recorded: Oli Other reviews Pat Person's performance." in page
    assert "Project lead" in page
    # Again: a duplicate, refused next to the field.
    response = post_form(client, url, {"direction": evaluation_services.EVALUATED_BY,
                                       "other_employee_id": other.employee_id})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "other_employee_id") == \
        "It is already recorded that Oli Other reviews Pat Person."
    # Oneself: refused.
    response = post_form(client, url, {"direction": evaluation_services.EVALUATES,
                                       "other_employee_id": person.employee_id})
    assert "their own performance" in field_error(response.get_data(as_text=True),
                                                  "other_employee_id")
    row = db.session.scalar(sa.select(EvaluationRelationship))
    response = post_form(client, f"{url}/{row.id}/remove", {})
    assert response.status_code == 302
    assert "The relationship was removed." in _text(client.get(url))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        EvaluationRelationship)) == 0


def test_recording_an_evaluation_inside_an_engagement_warns(client: FlaskClient,
                                                            auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach, coachee = ready_coach(), PersonFactory()
    engagement(coach, coachee)
    db.session.commit()
    url = f"/coaching/people/{coachee.id}/evaluations"
    response = post_form(client, url, {"direction": evaluation_services.EVALUATES,
                                       "other_employee_id": coach.employee_id})
    page = _text(client.get(response.headers["Location"]))
    assert "must not review each other's performance" in page


def test_removing_someone_elses_relationship_is_not_found(client: FlaskClient,
                                                          auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    row = evaluation(PersonFactory(), PersonFactory())
    stranger = PersonFactory()
    db.session.commit()
    response = post_form(client, f"/coaching/people/{stranger.id}/evaluations/{row.id}/remove",
                         {})
    assert response.status_code == 404


def test_a_consent_version_no_longer_offered_stays_selectable(client: FlaskClient,
                                                               auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    coach = appointed_coach()
    paperwork(coach, consent="recordings-v1-retired")
    db.session.commit()
    url = f"/coaching/coaches/{coach.id}/paperwork/edit"
    page = _text(client.get(url))
    assert re.search(r'<option selected value="recordings-v1-retired">recordings-v1-retired '
                     r"\(no longer offered\)</option>", page)
    response = post_form(client, url, paperwork_form(
        consent_template_version="recordings-v1-retired", role_scope="Changed"))
    assert response.status_code == 302
    assert paperwork_services.paperwork_for(
        coach.id).consent_template_version == "recordings-v1-retired"


def test_coaches_list_pages_and_searches(client: FlaskClient, auth: Auth, app: Any) -> None:
    """Issue 20: the roster is shown a page at a time, with a search by name or employee id."""
    auth.login_as(Role.ADMIN)
    for name in ("Ada Alpha", "Bo Beta", "Cy Gamma"):
        appointed_coach(name=name)
    db.session.commit()
    app.config["COACHPROG_PAGE_SIZE"] = 2
    try:
        first = _text(client.get("/coaching/coaches"))
        second = _text(client.get("/coaching/coaches?page=2"))
        assert "Ada Alpha" in first and "Bo Beta" in first and "Cy Gamma" not in first
        assert "Cy Gamma" in second and "Page 2 of 2" in second
        found = _text(client.get("/coaching/coaches?q=gAMMa"))
        assert "Cy Gamma" in found and "Ada Alpha" not in found
        none = _text(client.get("/coaching/coaches?q=nobody"))
        assert "contains “nobody”" in none and "No one has been appointed" not in none
    finally:
        app.config["COACHPROG_PAGE_SIZE"] = 50

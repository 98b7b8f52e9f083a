"""Assessment pages and API: forms, errors next to fields, the moderation flow end to end, and
blind scoring enforced in every response (HTML, JSON, file download, CSV)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services
from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.assessments.builders import (
    HIGH,
    LOW,
    assessment,
    evidence,
    rater,
    rubric_version,
    subject_person,
)
from tests.conftest import Auth, post_form
from tests.factories import PersonFactory, UserFactory

# What must never reach a rater of a blind assessment.
SUBJECT_NAME = "Zanele Okonkwo-Brandt"
SUBJECT_EMAIL = "zanele.ob@example.com"
SUBJECT_EMPLOYEE_ID = "EMP-ZOB-7731"
OTHER_NOTE = "Other-rater-note-XYZZY"
LEAKS = (SUBJECT_NAME, "Zanele", "Okonkwo", SUBJECT_EMAIL, SUBJECT_EMPLOYEE_ID)


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _sign_in(client: FlaskClient, user: Any) -> None:
    with client.session_transaction() as session:
        session.clear()
    response = Auth(client).login(user.email)
    assert response.status_code == 302


def _assignment(row: Assessment, user: Any) -> Any:
    return next(a for a in row.assignments if a.rater_id == user.id)


# --- creating ------------------------------------------------------------------------------------


def test_admin_creates_evidence_with_a_file_then_the_assessment(client: FlaskClient,
                                                                 auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    person = subject_person()
    version = rubric_version()
    db.session.commit()
    page = _text(client.get("/assessments/evidence/new"))
    assert 'enctype="multipart/form-data"' in page
    response = post_form(client, "/assessments/evidence/new", {
        "title": "Session 5", "description": "", "link": "https://intra.example/rec/5",
        "subject_employee_id": person.employee_id,
        "attachment": (io.BytesIO(b"%PDF-1.4 x"), "session5.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalar(sa.select(EvidenceItem))
    assert response.headers["Location"].endswith(f"/assessments/new?evidence={item.id}")
    form_page = _text(client.get(response.headers["Location"]))
    assert re.search(rf'<option selected value="{item.id}">Session 5', form_page)
    assert "must not name the person" in form_page
    response = post_form(client, "/assessments/new", {
        "title": "Practicum review", "evidence_item_id": str(item.id),
        "rubric_version_id": str(version.id), "blind": "y"})
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Assessment))
    assert created.blind is True
    assert response.headers["Location"].endswith(f"/assessments/{created.id}")


def test_evidence_form_shows_errors_next_to_fields(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    response = post_form(client, "/assessments/evidence/new", {
        "title": "", "link": "ftp://x", "subject_employee_id": "NOBODY"})
    assert response.status_code == 400
    page = _text(response)
    assert 'id="title-error" role="alert">Give the evidence a title.' in page
    assert 'id="link-error" role="alert">Use an http:// or https:// link.' in page
    assert "No person with employee id NOBODY." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0


def test_assessment_form_refuses_missing_choices(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.MASTER_COACH)
    response = post_form(client, "/assessments/new", {"title": "", "evidence_item_id": "",
                                                      "rubric_version_id": "abc"})
    assert response.status_code == 400
    page = _text(response)
    for message in ("Give the assessment a title.", "Choose the evidence to assess.",
                    "Choose a rubric version."):
        assert message in page


def test_forms_refuse_posts_without_csrf_token(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    row = assessment()
    db.session.commit()
    assert client.post("/assessments/evidence/new", data={"title": "x"}).status_code == 400
    assert client.post(f"/assessments/{row.id}/raters", data={"rater_id": "1"}).status_code \
        == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 1


# --- assigning -----------------------------------------------------------------------------------


def test_assign_rater_from_the_assessment_page(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    row = assessment()
    ada = rater(display_name="Ada Rater")
    db.session.commit()
    page = _text(client.get(f"/assessments/{row.id}"))
    assert "Ada Rater" in page
    response = post_form(client, f"/assessments/{row.id}/raters", {"rater_id": str(ada.id)})
    assert response.status_code == 302
    page = _text(client.get(f"/assessments/{row.id}"))
    assert "Ada Rater is assigned." in page


def test_conflict_refusal_is_shown_with_its_reason(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    boss = PersonFactory(name="Boss")
    subject = subject_person(manager=boss)
    row = assessment(subject=subject)
    manager_rater = rater(person_id=boss.id, display_name="Boss Rater")
    db.session.commit()
    response = post_form(client, f"/assessments/{row.id}/raters",
                         {"rater_id": str(manager_rater.id)})
    assert response.status_code == 400
    assert ("Conflict of interest: Boss Rater manages the person being assessed."
            in _text(response))
    assert 'id="rater_id-error"' in _text(response)


# --- scoring -------------------------------------------------------------------------------------


def test_scoring_page_is_an_accessible_form(client: FlaskClient) -> None:
    ada = rater()
    row = assessment(raters=[ada])
    db.session.commit()
    _sign_in(client, ada)
    page = _text(client.get(f"/assessments/assignments/{row.assignments[0].id}"))
    assert page.count("<fieldset") == 3
    assert "<legend>Reflects back the client&#39;s words and meaning</legend>" in page
    assert re.search(r'<input type="radio" name="mark-reflects" value="4" id="mark-reflects-4"\s*>'
                     r" <strong>4</strong> — Reflects often and accurately", page)
    assert '<label for="note-silence">Evidence notes</label>' in page
    assert "Present" in page
    assert "Absent" in page
    assert 'value="Save draft"' in page
    assert 'value="Submit"' in page
    assert "non-negotiable" in page


def test_draft_then_incomplete_submit_then_submit(client: FlaskClient) -> None:
    ada = rater()
    row = assessment(raters=[ada])
    db.session.commit()
    url = f"/assessments/assignments/{row.assignments[0].id}"
    _sign_in(client, ada)
    response = post_form(client, url, {"mark-reflects": "4", "note-reflects": "my note",
                                       "save": "Save draft"})
    assert response.status_code == 302
    page = _text(client.get(url))
    assert "Draft saved." in page
    assert re.search(r'value="4" id="mark-reflects-4"\s*checked', page)
    assert "my note</textarea>" in page
    response = post_form(client, url, {"mark-reflects": "4", "mark-silence": "7",
                                       "submit": "Submit"})
    assert response.status_code == 400
    page = _text(response)
    assert 'id="b-silence-error" role="alert">Choose present or absent.' in page
    assert 'id="b-no-advice-error" role="alert">Give a mark before submitting.' in page
    assert "2 behaviour(s) need attention." in page
    # The error summary names each behaviour and links to it; the posted mark is kept.
    summary = page.split('<div class="error-summary" role="alert"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#b-silence">' in summary and '<a href="#b-no-advice">' in summary
    assert re.search(r'value="4" id="mark-reflects-4"\s*checked', page)
    response = post_form(client, url, {**{f"mark-{k}": v for k, v in HIGH.items()},
                                       "submit": "Submit"})
    assert response.status_code == 302
    page = _text(client.get(url))
    # One notice says so (issue 21: there were two).
    assert page.count("Your marks are submitted.") == 1
    assert "You submitted them" in page
    assert 'value="Submit"' not in page
    db.session.expire_all()
    assert db.session.get(Assessment, row.id).status == "closed"


def test_a_rater_cannot_open_someone_elses_assignment(client: FlaskClient) -> None:
    ada, bob = rater(), rater()
    row = assessment(raters=[ada, bob])
    db.session.commit()
    _sign_in(client, bob)
    assert client.get(f"/assessments/assignments/{_assignment(row, ada).id}").status_code == 403
    response = post_form(client, f"/assessments/assignments/{_assignment(row, ada).id}",
                         {**{f"mark-{k}": v for k, v in HIGH.items()}, "submit": "Submit"})
    assert response.status_code == 403


def test_raters_list_shows_only_their_assignments(client: FlaskClient) -> None:
    ada = rater()
    mine = assessment(raters=[ada], title="Mine to score")
    assessment(title="Not for Ada")
    db.session.commit()
    _sign_in(client, ada)
    page = _text(client.get("/assessments/"))
    assert "Mine to score" in page
    assert "Not for Ada" not in page
    assert f"/assessments/assignments/{mine.assignments[0].id}" in page
    assert client.get(f"/assessments/{mine.id}").status_code == 200


# --- blind, inspected in every response ----------------------------------------------------------


@pytest.fixture
def blind_case() -> dict[str, Any]:
    ada, bob = rater(display_name="Ada"), rater(display_name="Bob")
    subject = subject_person(name=SUBJECT_NAME, email=SUBJECT_EMAIL,
                             employee_id=SUBJECT_EMPLOYEE_ID)
    row = assessment(blind=True, raters=[ada, bob], subject=subject,
                     title="Zanele practicum review")
    row.evidence.title = "Session with Zanele"
    row.evidence.description = "Zanele Okonkwo-Brandt, third session"
    row.evidence.attachment_path = "evidence/blindfile"
    row.evidence.attachment_name = "Zanele_session.pdf"
    assessment_evidence.evidence_store().put("blindfile", io.BytesIO(b"%PDF-1.4 blind"))
    db.session.commit()
    # Bob has submitted, with a note Ada must not see before she submits.
    services.save_marks(bob, _assignment(row, bob), LOW, {"reflects": OTHER_NOTE}, submit=True)
    db.session.commit()
    return {"ada": ada, "bob": bob, "row": row}


def _assert_no_leak(body: str, *, other_note: bool = True) -> None:
    for secret in LEAKS:
        assert secret not in body, secret
    if other_note:
        assert OTHER_NOTE not in body


def test_blind_rater_sees_no_identity_or_other_notes_in_html(client: FlaskClient,
                                                             blind_case: dict[str, Any]) -> None:
    ada, row = blind_case["ada"], blind_case["row"]
    _sign_in(client, ada)
    for url in ("/assessments/", "/assessments/?status=open", f"/assessments/{row.id}",
                f"/assessments/assignments/{_assignment(row, ada).id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = _text(response)
        _assert_no_leak(body)
    assert "Candidate T3ST" in body
    response = client.get(f"/assessments/{row.id}/attachment")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=evidence-{row.id}.pdf"
    response.close()


def test_blind_rater_sees_no_identity_or_other_results_in_json(
    client: FlaskClient, blind_case: dict[str, Any], make_token: Any
) -> None:
    from coachprog.auth.services import create_api_token
    from coachprog.authority import SystemActor

    ada, row = blind_case["ada"], blind_case["row"]
    _, secret = create_api_token(SystemActor("test"), ada, name="t")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    for url in ("/api/v1/assessments", f"/api/v1/assessments/{row.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        _assert_no_leak(_text(response))
    body = client.get(f"/api/v1/assessments/{row.id}", headers=headers).get_json()
    assert body["subject"] is None
    assert body["evidence"]["id"] is None  # the id would lead to the evidence item's subject
    assert body["pseudonym"] == "Candidate T3ST"
    # Co-raters are pseudonyms until the assessment closes (issue 19).
    assert "Bob" not in {r["rater_name"] for r in body["raters"]}
    bob_row = next(r for r in body["raters"] if r["rater_name"].startswith("Rater "))
    assert bob_row["status"] == "submitted"
    assert bob_row["result"] is None


def test_after_submitting_the_rater_sees_others_notes_but_still_no_identity(
    client: FlaskClient, blind_case: dict[str, Any]
) -> None:
    ada, row = blind_case["ada"], blind_case["row"]
    _sign_in(client, ada)
    url = f"/assessments/assignments/{_assignment(row, ada).id}"
    response = post_form(client, url, {**{f"mark-{k}": v for k, v in HIGH.items()},
                                       "submit": "Submit"})
    assert response.status_code == 302
    body = _text(client.get(url))
    assert OTHER_NOTE in body
    _assert_no_leak(body, other_note=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "assessment.marks_viewed", AuditEntry.actor_id == ada.id)) == 1


def test_staff_see_the_identity_of_a_blind_assessment(client: FlaskClient, auth: Auth,
                                                      blind_case: dict[str, Any]) -> None:
    auth.login_as(Role.ADMIN)
    body = _text(client.get(f"/assessments/{blind_case['row'].id}"))
    assert SUBJECT_NAME in body
    assert "Session with Zanele" in body
    assert "raters see Candidate T3ST" in body  # and says it is blind
    assert OTHER_NOTE not in body  # notes live on the scoring and moderation pages only


# --- moderation end to end -----------------------------------------------------------------------


def test_moderation_flow_end_to_end(client: FlaskClient) -> None:
    ada, bob = rater(display_name="Ada"), rater(display_name="Bob")
    master = UserFactory(roles=[Role.MASTER_COACH], display_name="Mo Master")
    row = assessment(raters=[ada, bob])
    db.session.commit()
    for user, marks, note in ((ada, HIGH, "Ada saw reflection"), (bob, LOW, "Bob saw telling")):
        _sign_in(client, user)
        response = post_form(client, f"/assessments/assignments/{_assignment(row, user).id}",
                             {**{f"mark-{k}": v for k, v in marks.items()},
                              "note-reflects": note, "submit": "Submit"})
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, row.id).status == "moderation"

    _sign_in(client, master)
    page = _text(client.get(f"/assessments/{row.id}"))
    assert "In moderation" in page
    assert "Pass/fail split: 1 of 2 raters pass, 1 fail." in page
    page = _text(client.get(f"/assessments/{row.id}/moderation"))
    assert "Score one recorded 30-minute session" in page  # the rubric's own brief
    assert "Ada saw reflection" in page
    assert "Bob saw telling" in page
    response = post_form(client, f"/assessments/{row.id}/moderation",
                         {**{f"mark-{k}": v for k, v in HIGH.items()}, "reason": ""})
    assert response.status_code == 400
    assert "Say why this is the agreed result." in _text(response)
    # A missing mark as well: the summary names the reason and the behaviour, each linked,
    # and the agreed marks come back as posted.
    response = post_form(client, f"/assessments/{row.id}/moderation",
                         {"mark-reflects": "4", "reason": ""})
    page = _text(response)
    summary = page.split('<div class="error-summary" role="alert"', 1)[1].split("</div>", 1)[0]
    assert response.status_code == 400
    assert '<a href="#reason">' in summary and '<a href="#b-silence">' in summary
    assert re.search(r'value="4" id="mark-reflects-4"\s*checked', page)
    response = post_form(client, f"/assessments/{row.id}/moderation",
                         {**{f"mark-{k}": v for k, v in HIGH.items()},
                          "reason": "Video shows reflective listening throughout."})
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "Agreed result: Passed, overall 100%" in page
    assert ("Passed: overall 100% ≥ 60%, every competency at or above its minimum, all "
            "non-negotiables met.") in page
    assert "Video shows reflective listening throughout." in page
    # The originals are kept and a closed assessment cannot be moderated again.
    assert client.get(f"/assessments/{row.id}/moderation").status_code == 302

    _sign_in(client, bob)
    page = _text(client.get(f"/assessments/{row.id}"))
    assert "Agreed result: Passed" in page
    page = _text(client.get(f"/assessments/assignments/{_assignment(row, bob).id}"))
    assert re.search(r'value="2" id="mark-reflects-2"\s*checked', page)


def test_moderator_adds_a_third_rater(client: FlaskClient) -> None:
    ada, bob = rater(), rater()
    row = assessment(raters=[ada, bob])
    db.session.commit()
    services.save_marks(ada, _assignment(row, ada), HIGH, {}, submit=True)
    services.save_marks(bob, _assignment(row, bob), LOW, {}, submit=True)
    third = rater(display_name="Tess Third")
    master = UserFactory(roles=[Role.MASTER_COACH])
    db.session.commit()
    _sign_in(client, master)
    response = post_form(client, f"/assessments/{row.id}/moderation/raters",
                         {"rater_id": str(third.id)})
    assert response.status_code == 302
    assert "Tess Third is added" in _text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Assessment, row.id).status == "open"


# --- export --------------------------------------------------------------------------------------


def test_csv_export_for_admins(client: FlaskClient, auth: Auth) -> None:
    ada = rater()
    row = assessment(raters=[ada], title="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    services.save_marks(ada, row.assignments[0], HIGH, {"reflects": "+note"}, submit=True)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    response = client.get("/assessments/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert len(rows) == 1
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["passed"] == "yes"
    assert rows[0]["rater_notes"] == "reflects: +note"  # not at the start of the cell


# --- API -----------------------------------------------------------------------------------------


def test_api_creates_assesses_and_assigns(api_as: Any) -> None:
    version = rubric_version()
    person = subject_person()
    ada = rater()
    db.session.commit()
    api = api_as("admin")
    response = api.post("/api/v1/assessments", json={
        "title": "Interview", "rubric_version_id": version.id, "blind": True,
        "evidence": {"title": "Interview notes", "subject_employee_id": person.employee_id}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["subject"]["employee_id"] == person.employee_id
    assert body["status"] == "open"
    response = api.post(f"/api/v1/assessments/{body['id']}/raters", json={"rater_id": ada.id})
    assert response.status_code == 201
    assert response.get_json()["role"] == "rater"
    response = api.post(f"/api/v1/assessments/{body['id']}/raters", json={"rater_id": ada.id})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "already assigned" in response.get_json()["errors"]["rater_id"][0]
    response = api.post(f"/api/v1/assessments/{body['id']}/raters", json={"rater_id": 9999})
    assert response.status_code == 422
    assert response.get_json()["errors"]["rater_id"] == ["No user 9999."]


def test_api_refuses_bad_input_with_problem_details(api_as: Any) -> None:
    api = api_as("master_coach")
    response = api.post("/api/v1/assessments", json={"title": "X"})
    assert response.status_code == 422
    assert "rubric_version_id" in response.get_json()["errors"]
    item = evidence()
    version = rubric_version()
    db.session.commit()
    response = api.post("/api/v1/assessments", json={
        "title": "X", "rubric_version_id": version.id, "evidence_item_id": item.id,
        "evidence": {"title": "Also"}})
    assert response.status_code == 422
    assert response.get_json()["detail"] == "Give evidence_item_id or evidence, not both."
    assert api.get("/api/v1/assessments/999999").status_code == 404


def test_api_result_appears_once_closed(api_as: Any, make_token: Any, client: FlaskClient) -> None:
    from tests.api.conftest import Api

    ada = rater()
    row = assessment(raters=[ada])
    db.session.commit()
    _, secret = make_token("admin")
    api = Api(client, secret)
    assert api.get(f"/api/v1/assessments/{row.id}").get_json()["result"] is None
    services.save_marks(ada, row.assignments[0], HIGH, {}, submit=True)
    db.session.commit()
    body = api.get(f"/api/v1/assessments/{row.id}").get_json()
    assert body["status"] == "closed"
    assert body["result"]["passed"] is True
    assert body["result"]["basis"] == "single"


# --- what each page says --------------------------------------------------------------------------


def test_scoring_page_shows_the_rubric_brief_above_the_first_competency(
        client: FlaskClient) -> None:
    ada = rater()
    row = assessment(raters=[ada])
    db.session.commit()
    _sign_in(client, ada)
    page = _text(client.get(f"/assessments/assignments/{_assignment(row, ada).id}"))
    brief = page.index("Score one recorded 30-minute session; mark only what you see or hear.")
    assert brief < page.index("Active listening")


def test_assign_dropdown_offers_the_calibrated_and_says_why_others_are_not_offered(
        client: FlaskClient, auth: Auth) -> None:
    row = assessment()
    ready = rater(display_name="Ready Rater")
    lead = rater(Role.LEAD_COACH, calibrated=False, display_name="Lena Lead")
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/assessments/{row.id}"))
    assert re.search(r'<optgroup label="Calibrated until \d{4}-\d{2}-\d{2}">\s*'
                     rf'<option value="{ready.id}">Ready Rater \(', page)
    # Not offered, and the page says why.
    assert f'<option value="{lead.id}"' not in page
    assert "Not offered: 1 person who cannot be the rater" in page
    assert "<li>Lena Lead is not calibrated for “Test session review”.</li>" in page
    # A hand-made post of someone not offered is still refused in words by the service.
    response = post_form(client, f"/assessments/{row.id}/raters", {"rater_id": str(lead.id)})
    assert response.status_code == 400
    body = _text(response)
    assert "Lena Lead is not calibrated for “Test session review”" in body
    assert "An admin includes them in a calibration exercise for this rubric (Calibration → New " \
           "exercise)." in body
    assert ready


def test_moderator_with_a_conflict_is_turned_away_with_the_reason(client: FlaskClient) -> None:
    ada, bob = rater(), rater()
    boss_person = PersonFactory()
    subject = PersonFactory(manager_id=boss_person.id)
    boss = UserFactory(roles=[Role.MASTER_COACH], person_id=boss_person.id, display_name="Boss")
    other = UserFactory(roles=[Role.MASTER_COACH], display_name="Mo")
    row = assessment(raters=[ada, bob], subject=subject)
    db.session.commit()
    services.save_marks(ada, _assignment(row, ada), HIGH, {}, submit=True)
    services.save_marks(bob, _assignment(row, bob), LOW, {}, submit=True)
    db.session.commit()
    _sign_in(client, boss)
    # Issue 21: a conflicted master coach does not open the assessment at all (403, in words),
    # nor its moderation page, nor post marks to it.
    response = client.get(f"/assessments/{row.id}")
    assert response.status_code == 403
    page = _text(response)
    assert "Conflict of interest: Boss manages the person being assessed." in page
    assert f'href="/assessments/{row.id}/moderation"' not in page
    response = client.get(f"/assessments/{row.id}/moderation")
    assert response.status_code == 403
    assert "Boss manages the person being assessed" in _text(response)
    assert client.get(f"/assessments/{row.id}/attachment").status_code == 403
    response = post_form(client, f"/assessments/{row.id}/moderation",
                         {**{f"mark-{k}": v for k, v in HIGH.items()}, "reason": "Mine."})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Assessment, row.id).status == "moderation"
    _sign_in(client, other)
    assert client.get(f"/assessments/{row.id}/moderation").status_code == 200


def test_third_rater_dropdown_leaves_out_the_moderator(client: FlaskClient) -> None:
    ada, bob = rater(), rater()
    row = assessment(raters=[ada, bob])
    master = rater(Role.MASTER_COACH, display_name="Mo Moderator")
    una = rater(calibrated=False, display_name="Una Uncalibrated")
    db.session.commit()
    services.save_marks(ada, _assignment(row, ada), HIGH, {}, submit=True)
    services.save_marks(bob, _assignment(row, bob), LOW, {}, submit=True)
    db.session.commit()
    _sign_in(client, master)
    page = _text(client.get(f"/assessments/{row.id}/moderation"))
    assert "Mo Moderator (" not in page
    assert f'<option value="{una.id}"' not in page and f'<option value="{master.id}"' not in page
    # Not offered, with the reasons in words.
    assert "Una Uncalibrated is not calibrated for “Test session review”." in page
    assert "Mo Moderator moderates this assessment, so does not rate it." in page


def test_new_assessment_dropdown_names_evidence_without_database_ids(
        client: FlaskClient, auth: Auth) -> None:
    item = evidence(subject_person(), title="Session four")
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = _text(client.get("/assessments/new"))
    assert f"Session four — Zanele Okonkwo-Brandt, {item.created_at:%Y-%m-%d}" in page
    assert f"(#{item.id})" not in page


def test_conflicted_staff_cannot_open_the_assessment_pages(client: FlaskClient) -> None:
    # Issue 21: program staff see all assessments, but not one of a person they are related
    # to — the subject's report, the subject themself, a rater who later became the manager.
    ada, bob = rater(person_id=PersonFactory().id), rater()
    subject = PersonFactory()
    report = PersonFactory(manager_id=subject.id)
    row = assessment(raters=[ada, bob], subject=subject)
    reporter = UserFactory(roles=[Role.ADMIN], person_id=report.id, display_name="Rita")
    themself = UserFactory(roles=[Role.ADMIN], person_id=subject.id, display_name="Sam")
    neutral = UserFactory(roles=[Role.ADMIN], person_id=PersonFactory().id)
    db.session.commit()
    _sign_in(client, reporter)
    response = client.get(f"/assessments/{row.id}")
    assert response.status_code == 403
    assert "Rita reports to the person being assessed." in _text(response)
    _sign_in(client, themself)
    response = client.get(f"/assessments/{row.id}")
    assert response.status_code == 403
    assert "Sam is the person being assessed." in _text(response)
    _sign_in(client, neutral)
    assert client.get(f"/assessments/{row.id}").status_code == 200
    # The list still shows the row (titles only; hiding it would cost a query per row).
    assert client.get("/assessments/").status_code == 200
    # A rater whose relation began after assignment no longer opens the scoring page.
    subject.manager_id = ada.person_id
    db.session.commit()
    _sign_in(client, ada)
    response = client.get(f"/assessments/assignments/{_assignment(row, ada).id}")
    assert response.status_code == 403
    assert "manages the person being assessed" in _text(response)

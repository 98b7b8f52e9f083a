"""The recertification pages through the Flask client: the page shows the stage, the cycle
window and each piece of evidence; the forms (brief, peer request, peer review, review
scoring, approvals, withdrawal) take good input and give clear 400s on bad input, keeping what
was typed; permissions: the coach sees their own, a peer only their review request, managers
and sponsors are refused (their access cases: `access_cases.py` beside this file)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import render_template

from coachprog.certification import services
from coachprog.certification.models import Certification, CertificationEvidence
from coachprog.certification.recertification import evidence, review
from coachprog.extensions import db
from coachprog.roles import Role
from tests.certification.recertification.access_cases import (
    BRIEF,
    PEER_REVIEW,
    certified,
    development_hours,
    master_coach,
    rubric,
    scored_session,
)
from tests.conftest import post_form
from tests.factories import UserFactory


@pytest.fixture
def world():
    person, coach, cert = certified(name="Cora Coach")
    peer_person, peer, _ = certified(name="Pia Peer")
    master = master_coach()
    admin = UserFactory(roles=[Role.ADMIN], display_name="Ada Admin")
    db.session.commit()
    return {"person": person, "coach": coach, "cert": cert, "cert_id": cert.id,
            "peer_person": peer_person, "peer": peer, "master": master, "admin": admin}


def page(w, path: str = "") -> str:
    return f"/certification/recertification/{w['cert_id']}{path}"


def text(response) -> str:
    return response.get_data(as_text=True)


def evidence_complete(w) -> None:
    evidence.submit_outcomes_brief(w["coach"], w["cert_id"], BRIEF)
    evidence.request_peer_review(w["coach"], w["cert_id"], w["peer_person"].id)
    evidence.submit_peer_review(w["peer"], w["cert_id"], PEER_REVIEW)
    development_hours(w["person"], 12)
    scored_session(w["person"])
    db.session.commit()


def top_marks() -> dict[str, str]:
    return {f"mark-{b.id}": str(max(b.valid_values())) for b in rubric().to_domain().behaviours}


# --- the page -------------------------------------------------------------------------------


def test_the_coach_sees_stage_window_and_evidence_with_the_forms(client, auth, world):
    w = world
    auth.login(w["coach"].email)
    response = client.get(page(w))
    body = text(response)
    assert response.status_code == 200
    assert "Gathering evidence" in body and "Cycle window" in body
    assert w["cert"].issued_on.isoformat() in body
    for label in ("At least one observed or recorded session scored in the cycle",
                  "A client outcomes brief in the cycle", "A peer review in the cycle",
                  "At least 10 continuing development hours in the cycle"):
        assert label in body
    assert body.count("Not met") == 4
    assert "Save the outcomes brief" in body and "Request the peer review" in body
    assert "Pia Peer" in body  # a peer candidate
    assert "Start the evidence review" not in body and "Approve the recertification" not in body


def test_other_coaches_managers_sponsors_and_raters_are_refused(client, auth, world):
    for role in ("coach", "manager", "sponsor", "rater"):
        auth.login_as(role)
        assert client.get(page(world)).status_code == 403, role
        auth.logout()
    assert client.get(page(world)).status_code == 302  # anonymous: to the login page


def test_unknown_certification_is_404(client, auth, world):
    auth.login(world["admin"].email)
    assert client.get("/certification/recertification/99999").status_code == 404


def test_a_peer_sees_only_their_review_request(client, auth, world):
    w = world
    evidence.submit_outcomes_brief(w["coach"], w["cert_id"], BRIEF)
    evidence.request_peer_review(w["coach"], w["cert_id"], w["peer_person"].id)
    db.session.commit()
    auth.login(w["peer"].email)
    assert client.get(page(w)).status_code == 403  # not the evidence page
    response = client.get(page(w, "/peer-review"))
    body = text(response)
    assert response.status_code == 200 and "Peer review for Cora Coach" in body
    assert BRIEF[:40] not in body  # nothing of the coach's evidence
    auth.logout()
    auth.login(w["coach"].email)
    assert client.get(page(w, "/peer-review")).status_code == 403  # not the coach either


# --- the forms: good and bad input ----------------------------------------------------------


def test_brief_form_saves_and_refuses_bad_input_keeping_the_text(client, auth, world):
    w = world
    auth.login(w["coach"].email)
    typed = "Too short, and it names ana@example.com."
    response = post_form(client, page(w, "/brief"), {"text": typed})
    body = text(response)
    assert response.status_code == 400
    assert "write at least 300" in body and "contains an e-mail address" in body
    assert "Too short, and it names ana@example.com." in body  # nothing lost
    assert db.session.scalar(sa.select(sa.func.count(CertificationEvidence.id))) == 0
    response = post_form(client, page(w, "/brief"), {"text": BRIEF})
    assert response.status_code == 302
    body = text(client.get(page(w)))
    assert "The outcomes brief is saved." in body and BRIEF[:60] in body


def test_brief_without_csrf_token_is_refused(client, auth, world):
    auth.login(world["coach"].email)
    response = client.post(page(world, "/brief"), data={"text": BRIEF})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(CertificationEvidence.id))) == 0


def test_master_coach_may_not_write_the_brief(client, auth, world):
    auth.login(world["master"].email)
    assert post_form(client, page(world, "/brief"), {"text": BRIEF}).status_code == 403


def test_peer_request_and_review_through_the_pages(client, auth, world):
    w = world
    auth.login(w["coach"].email)
    for bad in ({}, {"reviewer_person_id": "abc"}, {"reviewer_person_id": "99999"},
                {"reviewer_person_id": str(w["person"].id)}):
        response = post_form(client, page(w, "/peer-request"), bad)
        assert response.status_code == 400, bad
    assert "not by the coach themselves" in text(response)
    response = post_form(client, page(w, "/peer-request"),
                         {"reviewer_person_id": str(w["peer_person"].id)})
    assert response.status_code == 302
    auth.logout()
    auth.login(w["peer"].email)
    response = post_form(client, page(w, "/peer-review"), {"text": "Fine."})
    assert response.status_code == 400 and "write at least 150" in text(response)
    assert "Fine." in text(response)
    response = post_form(client, page(w, "/peer-review"), {"text": PEER_REVIEW})
    assert response.status_code == 302
    body = text(client.get(page(w, "/peer-review")))
    assert "You submitted this review" in body
    stored = db.session.scalar(sa.select(CertificationEvidence).where(
        CertificationEvidence.kind == "peer_review"))
    assert stored.summary == PEER_REVIEW and stored.reviewer_person_id == w["peer_person"].id


def test_review_start_scoring_approval_and_renewal_through_the_pages(client, auth, world):
    w = world
    evidence_complete(w)
    auth.login(w["master"].email)
    body = text(client.get(page(w)))
    assert "Evidence complete: ready for the review" in body
    assert "Start the evidence review" in body
    assert post_form(client, page(w, "/review"), {"rater_id": "abc"}).status_code == 400
    assert post_form(client, page(w, "/review"),
                     {"rater_id": str(w["master"].id)}).status_code == 302
    body = text(client.get(page(w)))
    assert "Evidence review being scored" in body and "Submit the marks" in body
    # Submitting with a mark missing: 400, the given marks kept.
    marks = top_marks()
    missing = dict(marks)
    missing.pop("mark-recert-ethics-clear")
    response = post_form(client, page(w, "/review/marks"), {**missing, "submit": "1",
                                                            "note-recert-peer-observed":
                                                            "Two sessions observed."})
    assert response.status_code == 400 and "Give a mark before submitting." in text(response)
    assert "Two sessions observed." in text(response)
    response = post_form(client, page(w, "/review/marks"), {**marks, "submit": "1"})
    assert response.status_code == 302
    body = text(client.get(page(w)))
    assert "Awaiting two approvals" in body and "Recertification rubric: Passed" in body
    assert post_form(client, page(w, "/approve"), {"capacity": "nonsense"}).status_code == 400
    response = post_form(client, page(w, "/approve"), {"capacity": "admin"})
    assert response.status_code == 400 and "given by an admin" in text(response)
    assert post_form(client, page(w, "/approve"),
                     {"capacity": "master_coach"}).status_code == 302
    auth.logout()
    auth.login(w["admin"].email)
    response = post_form(client, page(w, "/approve"), {"capacity": "admin"})
    assert response.status_code == 302
    renewed = db.session.scalar(sa.select(Certification).where(
        Certification.status == "active", Certification.person_id == w["person"].id))
    assert response.headers["Location"].endswith(
        f"/certification/recertification/{renewed.id}")
    assert db.session.get(Certification, w["cert_id"]).status == "superseded"
    body = text(client.get(response.headers["Location"]))
    assert "Not open yet" in body


def test_a_non_rater_cannot_post_marks(client, auth, world):
    w = world
    evidence_complete(w)
    review.start_review(w["master"], w["cert_id"])
    db.session.commit()
    auth.login(w["admin"].email)
    assert "Submit the marks" not in text(client.get(page(w)))
    response = post_form(client, page(w, "/review/marks"), {**top_marks(), "submit": "1"})
    assert response.status_code == 403


def test_withdraw_with_and_without_a_reason(client, auth, world):
    w = world
    evidence_complete(w)
    review.start_review(w["master"], w["cert_id"])
    db.session.commit()
    auth.login(w["coach"].email)
    response = post_form(client, page(w, "/withdraw"), {"reason": "no"})
    assert response.status_code == 400 and "Give the reason for withdrawing" in text(response)
    response = post_form(client, page(w, "/withdraw"), {"reason": "On leave until spring."})
    assert response.status_code == 302
    body = text(client.get(page(w)))
    assert "withdrawn" in body and "On leave until spring." in body


def test_the_panel_lists_each_active_or_lapsed_certification(app, world):
    w = world
    lapsed = Certification(person_id=w["person"].id, level="senior_coach", status="lapsed",
                           issued_on=w["cert"].issued_on, valid_until=w["cert"].valid_until)
    revoked = Certification(person_id=w["person"].id, level="senior_coach", status="revoked",
                            issued_on=w["cert"].issued_on, valid_until=w["cert"].valid_until)
    db.session.add_all([lapsed, revoked])
    db.session.commit()
    status = services.coach_status(w["admin"], w["person"].id)
    with app.test_request_context():
        html = render_template("certification/_recert_panel.html", status=status)
    links = re.findall(r'/certification/recertification/(\d+)', html)
    assert sorted(int(i) for i in links) == sorted([w["cert_id"], lapsed.id])
    assert "Gathering evidence" in html
    with app.test_request_context():
        assert render_template("certification/_recert_panel.html").strip() == ""

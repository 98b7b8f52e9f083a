"""Consent pages through the Flask client: good and bad input, and the refusals the role
matrix cannot show (the coachee's own page, the coach of the engagement)."""

from __future__ import annotations

import io

import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.recordings.models import CoacheeConsent, ConsentText
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.recordings.consent.builders import PDF, consent, consent_text, engagement


def test_admin_lists_adds_and_retires_texts(client, auth) -> None:
    auth.login_as("admin")
    empty = client.get("/consent/texts").get_data(as_text=True)
    assert "No consent text yet" in empty
    added = post_form(client, "/consent/texts/new", {
        "version": "v1", "title": "Recorded sessions", "body": "We record to train coaches."})
    assert added.status_code == 302
    text = db.session.scalars(sa.select(ConsentText)).one()
    page = client.get("/consent/texts").get_data(as_text=True)
    assert "Recorded sessions" in page and "offered" in page
    viewed = client.get(f"/consent/texts/{text.id}").get_data(as_text=True)
    assert "We record to train coaches." in viewed
    prefilled = client.get(f"/consent/texts/new?from={text.id}").get_data(as_text=True)
    assert "We record to train coaches." in prefilled
    duplicate = post_form(client, "/consent/texts/new", {"version": "v1", "title": "x",
                                                         "body": "y"})
    assert duplicate.status_code == 400
    assert "Version v1 exists already" in duplicate.get_data(as_text=True)
    retired = post_form(client, f"/consent/texts/{text.id}/retire")
    assert retired.status_code == 302
    db.session.expire_all()
    kept = db.session.get(ConsentText, text.id)
    assert kept is not None and kept.retired_at is not None
    assert client.get("/consent/texts/9999").status_code == 404


def test_coachee_reads_the_text_and_consents_in_app(client, auth) -> None:
    eng = engagement()
    consent_text("v1", body="Sessions are recorded to train coaches.")
    db.session.commit()
    auth.login_as(person_id=eng.coachee_person_id)
    url = f"/consent/engagements/{eng.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Sessions are recorded to train coaches." in page
    assert "There is no current consent" in page
    assert 'name="scope_transcribe"' in page
    assert "Record a signed consent form" not in page  # admins only
    text_id = db.session.scalars(sa.select(ConsentText.id)).one()
    refused = post_form(client, url + "/acknowledge", {"consent_text_id": str(text_id),
                                                       "scope_transcribe": "y"})
    assert refused.status_code == 400
    assert "Transcription needs consent to record" in refused.get_data(as_text=True)
    assert db.session.scalars(sa.select(CoacheeConsent)).all() == []
    done = post_form(client, url + "/acknowledge", {
        "consent_text_id": str(text_id), "scope_record": "y", "scope_transcribe": "y"})
    assert done.status_code == 302
    row = db.session.scalars(sa.select(CoacheeConsent)).one()
    assert row.method == "in_app" and row.scope_record and row.scope_transcribe
    assert not row.scope_audit
    after = client.get(url).get_data(as_text=True)
    assert "Current consent" in after and "by the coachee in the app" in after
    assert "It does not allow" in after


def test_others_cannot_see_or_give_the_coachees_consent(client, auth) -> None:
    eng = engagement()
    other = engagement()
    consent_text()
    db.session.commit()
    url = f"/consent/engagements/{eng.id}"
    # The engagement's coach reads the page but never consents in the app for the coachee.
    auth.login_as("coach", person_id=eng.coach_person_id)
    assert client.get(url).status_code == 200
    assert post_form(client, url + "/acknowledge", {"scope_record": "y"}).status_code == 403
    auth.logout()
    # Another engagement's coach reads nothing of this one.
    auth.login_as("coach", person_id=other.coach_person_id)
    assert client.get(url).status_code == 403
    assert post_form(client, url + "/signed", {"scope_record": "y"}).status_code == 403
    auth.logout()
    auth.login_as(person_id=other.coachee_person_id)
    assert client.get(url).status_code == 403
    assert post_form(client, url + "/acknowledge", {"scope_record": "y"}).status_code == 403
    assert client.get("/consent/engagements/9999").status_code == 404


def test_admin_records_a_signed_form_and_downloads_it(client, auth) -> None:
    eng = engagement()
    text = consent_text()
    db.session.commit()
    admin = auth.login_as("admin")
    url = f"/consent/engagements/{eng.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Record a signed consent form" in page and "There is no current consent" in page
    bad = post_form(client, url + "/signed", {
        "consent_text_id": str(text.id), "scope_record": "y",
        "signed_form": (io.BytesIO(b"not a scan at all"), "form.pdf")},
        content_type="multipart/form-data")
    assert bad.status_code == 400
    assert "not a PDF, PNG or JPEG" in bad.get_data(as_text=True)
    good = post_form(client, url + "/signed", {
        "consent_text_id": str(text.id), "scope_record": "y", "scope_audit": "y",
        "signed_on": "2025-04-03", "signed_form": (io.BytesIO(PDF), "signed.pdf")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    row = db.session.scalars(sa.select(CoacheeConsent)).one()
    assert (row.method, row.recorded_by_id) == ("signed_form", admin.id)
    page = client.get(url).get_data(as_text=True)
    assert "on a signed form" in page and "Withdraw on the coachee" in page
    with client.get(f"/consent/consents/{row.id}/form") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert "signed.pdf" in download.headers["Content-Disposition"]
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "consent.form_read")) == 1
    auth.logout()
    auth.login_as(person_id=eng.coachee_person_id)
    assert client.get(f"/consent/consents/{row.id}/form").status_code == 403
    coachee_page = client.get(url).get_data(as_text=True)
    assert "download" not in coachee_page and "Withdraw on the coachee" not in coachee_page


def test_an_in_app_consent_has_no_form_to_download(client, auth) -> None:
    eng = engagement()
    given = consent(eng).consent
    db.session.commit()
    auth.login_as("admin")
    assert client.get(f"/consent/consents/{given.id}/form").status_code == 404
    assert client.get("/consent/consents/9999/form").status_code == 404


def test_page_explains_when_no_text_is_offered(client, auth) -> None:
    eng = engagement()
    db.session.commit()
    auth.login_as(person_id=eng.coachee_person_id)
    page = client.get(f"/consent/engagements/{eng.id}").get_data(as_text=True)
    assert "No consent text is offered yet" in page
    UserFactory()  # the page stays readable with other accounts around


def test_a_signed_in_coachee_withdraws_in_the_app(client, auth) -> None:
    from tests.recordings.consent.builders import file_of, recording

    eng = engagement()
    given = consent(eng).consent
    row = recording(given)
    path = file_of(row)
    db.session.commit()
    auth.login_as(person_id=eng.coachee_person_id)
    page = client.get(f"/consent/engagements/{eng.id}").get_data(as_text=True)
    assert "Withdraw your consent" in page and "1 recording(s)" in page
    response = post_form(client, f"/consent/consents/{given.id}/withdraw-mine",
                         token_page=f"/consent/engagements/{eng.id}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your consent is withdrawn. 1 recording(s)" in page
    assert not path.exists()
    db.session.expire_all()
    assert db.session.get(CoacheeConsent, given.id).withdrawal_via == "app"
    auth.logout()
    auth.login_as("admin")
    assert post_form(client, f"/consent/consents/{given.id}/withdraw-mine").status_code == 403


def test_the_coach_reads_the_consent_and_records_the_signed_form(client, auth) -> None:
    """The coach sees what they may record (status, scope, history), records the form the
    coachee signed, and can neither download it nor withdraw for the coachee."""
    eng = engagement()
    text = consent_text()
    db.session.commit()
    coach = auth.login_as("coach", person_id=eng.coach_person_id)
    url = f"/consent/engagements/{eng.id}"
    page = client.get(url).get_data(as_text=True)
    assert "There is no current consent" in page and "Record a signed consent form" in page
    assert "wants to withdraw" in page and "Withdraw on the coachee" not in page
    assert 'name="scope_transcribe"' in page
    empty = post_form(client, url + "/signed", {"consent_text_id": str(text.id),
                                                "scope_record": "y"})
    assert empty.status_code == 400 and 'role="alert"' in empty.get_data(as_text=True)
    good = post_form(client, url + "/signed", {
        "consent_text_id": str(text.id), "scope_record": "y", "scope_transcribe": "y",
        "signed_form": (io.BytesIO(PDF), "signed.pdf")}, content_type="multipart/form-data")
    assert good.status_code == 302
    row = db.session.scalars(sa.select(CoacheeConsent)).one()
    assert (row.method, row.recorded_by_id) == ("signed_form", coach.id)
    page = client.get(url).get_data(as_text=True)
    assert "on a signed form" in page and "current" in page
    assert f"/consent/consents/{row.id}/form" not in page and "Withdraw on the coachee" not in page
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "consent.recorded")).one()
    assert "your coach recorded the consent form you signed" in mail.body
    assert client.get(f"/consent/consents/{row.id}/form").status_code == 403
    refused = post_form(client, f"/consent/consents/{row.id}/withdraw", {"reason": "asked"})
    assert refused.status_code == 403
    assert db.session.get(CoacheeConsent, row.id).withdrawn_at is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "consent.recorded", AuditEntry.actor_id == coach.id)) == 1

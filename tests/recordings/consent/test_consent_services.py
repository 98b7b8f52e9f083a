"""Consent texts and consents through the services: versions, methods, scopes, the rules the
upload and transcription services rely on (`current_consent`, `consent_refusal`)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from coachprog.coaching.paperwork import consent_templates
from coachprog.db import set_clock
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.notifications.models import OutboxMessage
from coachprog.recordings.consent import domain as consent_domain
from coachprog.recordings.consent import services
from coachprog.recordings.consent import texts as consent_texts
from coachprog.recordings.models import CoacheeConsent
from coachprog.roles import Role
from tests.factories import UserFactory
from tests.recordings.consent.builders import (
    PDF,
    PNG,
    SYSTEM,
    coachee_user,
    consent,
    consent_text,
    engagement,
)


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])


# --- pure rules --------------------------------------------------------------------------------


@given(st.sets(st.sampled_from(sorted(consent_domain.SCOPES))))
def test_scopes_are_independent_except_transcription_needs_recording(scopes) -> None:
    problems = consent_domain.scope_problems(scopes)
    allowed = bool(scopes) and not ("transcribe" in scopes and "record" not in scopes)
    assert (problems == []) == allowed


def test_scope_problems_say_what_to_do() -> None:
    assert "Tick “record” too" in consent_domain.scope_problems({"transcribe"})[0]
    assert consent_domain.scope_problems(set()) == [
        "Tick at least one thing the coachee consents to."]
    assert consent_domain.scope_problems({"record", "spy"}) == ["Unknown scope: spy."]


@pytest.mark.parametrize(("head", "kind"), [(PDF, "pdf"), (PNG, "png"),
                                            (b"\xff\xd8\xff\xe0JFIF", "jpg"),
                                            (b"hello, I am text", None), (b"", None),
                                            (b"PK\x03\x04docx", None)])
def test_form_kind_reads_the_first_bytes(head: bytes, kind: str | None) -> None:
    assert consent_domain.form_kind(head) == kind


# --- consent texts -----------------------------------------------------------------------------


def test_admin_adds_versions_newest_first_and_audited(admin) -> None:
    first = consent_texts.create_consent_text(admin, version=" v1 ", title=" Consent ", body="Text")
    second = consent_texts.create_consent_text(admin, version="v2", title="Consent 2", body="More")
    db.session.commit()
    assert (first.version, first.title) == ("v1", "Consent")
    listed = consent_texts.list_consent_texts(admin)
    assert {t.version for t in listed} == {"v1", "v2"}
    assert listed[0].id == second.id or listed[0].created_at >= listed[1].created_at
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("consent_text.created") == 2


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"version": ""}, "version", "Give the version a label"),
    ({"version": "v 2"}, "version", "without spaces"),
    ({"version": "v" * 33}, "version", "under 32 characters"),
    ({"title": ""}, "title", "Give the text a title."),
    ({"title": "t" * 201}, "title", "under 200 characters"),
    ({"body": "  "}, "body", "Write the text"),
])
def test_consent_text_validation(admin, fields, field, message) -> None:
    values = {"version": "v1", "title": "Consent", "body": "Text", **fields}
    with pytest.raises(DomainError) as refused:
        consent_texts.create_consent_text(admin, **values)
    assert message in refused.value.field_errors[field][0]


def test_a_version_label_is_never_reused(admin) -> None:
    consent_text("v1")
    with pytest.raises(DomainError) as refused:
        consent_texts.create_consent_text(admin, version="v1", title="Changed", body="Changed")
    assert "give the new text a new version label" in refused.value.field_errors["version"][0]


def test_only_admins_manage_texts() -> None:
    for role in (Role.MASTER_COACH, Role.COACH, Role.MANAGER, Role.SPONSOR):
        user = UserFactory(roles=[role])
        with pytest.raises(NotPermitted):
            consent_texts.create_consent_text(user, version="v1", title="t", body="b")
        with pytest.raises(NotPermitted):
            consent_texts.list_consent_texts(user)


def test_retiring_stops_offering_but_keeps_consents(admin) -> None:
    text = consent_text("v1")
    eng = engagement()
    given = consent(eng, text=text).consent
    consent_texts.retire_consent_text(admin, text.id)
    consent_texts.retire_consent_text(admin, text.id)  # twice changes nothing
    db.session.commit()
    assert consent_texts.offered_consent_texts() == []
    assert services.current_consent(eng.id) == given
    assert db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action == "consent_text.retired")).all() == ["consent_text.retired"]
    with pytest.raises(NotFound):
        consent_texts.retire_consent_text(admin, 9999)


def test_paperwork_offers_the_consent_texts_not_retired() -> None:
    assert [t.version for t in consent_templates.consent_template_versions()] == [
        consent_templates.PLACEHOLDER_CONSENT_VERSION]
    set_clock(lambda: datetime(2025, 1, 1, tzinfo=UTC))
    consent_text("v1")
    set_clock(lambda: datetime(2025, 2, 1, tzinfo=UTC))
    consent_text("v2", title="Second")
    consent_text("v0", retired=True)
    versions = consent_templates.consent_template_versions()
    assert [t.version for t in versions] == ["v2", "v1"]
    assert versions[0].label == "v2 — Second" and not versions[0].placeholder


# --- consents ----------------------------------------------------------------------------------


def test_coachee_consents_in_app_with_an_emailed_withdrawal_link() -> None:
    eng = engagement()
    text = consent_text("v3")
    coachee = coachee_user(eng)
    recorded = services.record_consent(coachee, eng.id, consent_text_id=text.id,
                                       scopes={"record", "supervisor_review"}, method="in_app")
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    # The link goes out in the e-mail; admins never see it and it leaves the outbox once sent.
    assert (f"https://coach.example.org/consent/withdraw/{recorded.withdrawal_token}"
            in mail.body)
    assert recorded.withdrawal_token not in mail.display_body
    db.session.commit()
    row = recorded.consent
    assert (row.method, row.coachee_person_id, row.recorded_by_id) == (
        "in_app", eng.coachee_person_id, coachee.id)
    assert consent_domain.scopes_of(row) == {"record", "supervisor_review"}
    # Only the hash of the token is stored.
    assert row.withdrawal_token_hash == consent_domain.token_hash(recorded.withdrawal_token)
    assert recorded.withdrawal_token not in str(row.withdrawal_token_hash)
    assert mail.kind == "consent.recorded" and mail.to_email == eng.coachee.email
    assert "record the coaching sessions" in mail.body
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "consent.recorded")).one()
    assert entry.detail["scopes"] == ["record", "supervisor_review"]
    assert entry.detail["method"] == "in_app"


def test_nobody_but_the_coachee_consents_in_app(admin) -> None:
    eng = engagement()
    text = consent_text()
    coach = UserFactory(roles=[Role.COACH], person_id=eng.coach_person_id)
    for user in (admin, coach, UserFactory(roles=[Role.MANAGER])):
        with pytest.raises(NotPermitted):
            services.record_consent(user, eng.id, consent_text_id=text.id, scopes={"record"},
                                    method="in_app")


def test_admin_records_a_signed_form_stored_with_a_random_name(admin, tmp_path) -> None:
    eng = engagement()
    text = consent_text()
    recorded = services.record_consent(
        admin, eng.id, consent_text_id=text.id, scopes={"record", "transcribe", "audit"},
        method="signed_form", signed_on=date(2025, 4, 2),
        signed_form=services.SignedForm("../Jane Doe signed.pdf", io.BytesIO(PDF)))
    db.session.commit()
    row = recorded.consent
    assert row.signed_form_path is not None
    stored = tmp_path / "consents" / row.signed_form_path.split("/")[-1]
    assert stored.read_bytes() == PDF
    assert "Jane" not in stored.name and row.signed_form_name == "Jane_Doe_signed.pdf"
    assert row.consented_at == datetime(2025, 4, 2, 12, tzinfo=UTC)
    assert row.recorded_by_id == admin.id
    found = services.open_signed_form(admin, row.id)
    assert (found.name, found.mimetype) == (stored.name, "application/pdf")
    with found.store.open(found.name) as handle:
        assert handle.read() == PDF
    with pytest.raises(NotPermitted):
        services.open_signed_form(coachee_user(eng), row.id)


def test_a_signed_form_whose_consent_is_rolled_back_leaves_no_file(admin, tmp_path) -> None:
    eng = engagement()
    text = consent_text()
    services.record_consent(
        admin, eng.id, consent_text_id=text.id, scopes={"record"}, method="signed_form",
        signed_on=date(2025, 4, 2), signed_form=services.SignedForm("f.pdf", io.BytesIO(PDF)))
    assert list((tmp_path / "consents").iterdir())
    db.session.rollback()
    assert list((tmp_path / "consents").iterdir()) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("form.pdf", b"just some text renamed to pdf", "not a PDF, PNG or JPEG"),
    ("form.pdf", b"", "The file is empty"),
    ("", PDF, "Attach the signed consent form"),
])
def test_signed_form_is_checked_by_content(admin, name, content, message, tmp_path) -> None:
    eng = engagement()
    text = consent_text()
    with pytest.raises(DomainError) as refused:
        services.record_consent(admin, eng.id, consent_text_id=text.id, scopes={"record"},
                                method="signed_form",
                                signed_form=services.SignedForm(name, io.BytesIO(content)))
    assert message in refused.value.field_errors["signed_form"][0]
    assert not (tmp_path / "consents").exists() or not any((tmp_path / "consents").iterdir())


def test_signed_form_over_the_limit_is_refused(admin, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_MAX_CONSENT_FORM_BYTES", 1024 * 1024)
    eng = engagement()
    text = consent_text()
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(DomainError) as refused:
        services.record_consent(admin, eng.id, consent_text_id=text.id, scopes={"record"},
                                method="signed_form",
                                signed_form=services.SignedForm("f.pdf", io.BytesIO(big)))
    assert "larger than 1 MB" in refused.value.field_errors["signed_form"][0]


def test_signed_on_date_must_be_plausible(admin) -> None:
    eng = engagement()
    text = consent_text()
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    for day, message in ((tomorrow, "in the future"),
                         (date(2020, 1, 1), "long before the engagement")):
        with pytest.raises(DomainError) as refused:
            services.record_consent(admin, eng.id, consent_text_id=text.id,
                                    scopes={"record"}, method="signed_form", signed_on=day,
                                    signed_form=services.SignedForm("f.png", io.BytesIO(PNG)))
        assert message in refused.value.field_errors["signed_on"][0]


def test_refusals_for_text_scope_and_ended_engagement() -> None:
    eng = engagement()
    retired = consent_text("old", retired=True)
    with pytest.raises(DomainError) as refused:
        services.record_consent(SYSTEM, eng.id, consent_text_id=retired.id,
                                scopes={"transcribe"}, method="in_app")
    assert "retired" in refused.value.field_errors["consent_text_id"][0]
    assert "Tick “record” too" in refused.value.field_errors["scopes"][0]
    with pytest.raises(DomainError) as missing:
        services.record_consent(SYSTEM, eng.id, consent_text_id=None, scopes={"record"},
                                method="in_app")
    assert missing.value.field_errors["consent_text_id"] == [
        "Choose the consent text the coachee read."]
    ended = engagement(status="ended")
    with pytest.raises(DomainError, match="has ended"):
        services.record_consent(SYSTEM, ended.id, consent_text_id=consent_text().id,
                                scopes={"record"}, method="in_app")
    with pytest.raises(NotFound):
        services.record_consent(SYSTEM, 9999, consent_text_id=None, scopes=set(),
                                method="in_app")
    assert db.session.scalars(sa.select(CoacheeConsent)).all() == []


def test_a_new_consent_becomes_current_and_the_old_one_stands() -> None:
    eng = engagement()
    set_clock(lambda: datetime(2025, 5, 1, tzinfo=UTC))
    first = consent(eng, {"record"}).consent
    set_clock(lambda: datetime(2025, 6, 1, tzinfo=UTC))
    second = consent(eng, {"record", "transcribe"}).consent
    assert services.current_consent(eng.id) == second
    assert first.withdrawn_at is None
    assert services.consents_of(eng.id) == [second, first]
    assert services.current_consent(engagement().id) is None


# --- consent_refusal: what the upload and transcription services ask -------------------------


def test_consent_refusal_for_each_need() -> None:
    eng = engagement()
    for need in consent_domain.SCOPES:
        reason = services.consent_refusal(eng.id, need=need)
        assert reason is not None and "has not given consent" in reason
    consent(eng, {"record", "audit"})
    assert services.consent_refusal(eng.id, need="record") is None
    assert services.consent_refusal(eng.id, need="audit") is None
    for need, words in (("transcribe", "transcribing the recordings"),
                        ("supervisor_review", "review by the coach's supervisors"),
                        ("analytics", "anonymised analytics")):
        reason = services.consent_refusal(eng.id, need=need)
        assert reason is not None and f"does not cover {words}" in reason
    with pytest.raises(ValueError, match="unknown consent scope"):
        services.consent_refusal(eng.id, need="everything")


def test_consent_refusal_after_withdrawal_says_so() -> None:
    from coachprog.recordings.retention.purge import purge_consent

    eng = engagement()
    given = consent(eng, consent_domain.SCOPES.keys()).consent
    purge_consent(None, given, via="link")
    reason = services.consent_refusal(eng.id, need="record")
    assert reason is not None and "has withdrawn their consent" in reason
    assert services.current_consent(eng.id) is None


def test_token_lookup_refuses_unknown_and_withdrawn() -> None:
    eng = engagement()
    recorded = consent(eng)
    assert services.consent_by_token(recorded.withdrawal_token) == recorded.consent
    for token in ("", "nope", "x" * 300):
        with pytest.raises(NotFound):
            services.consent_by_token(token)
    recorded.consent.withdrawn_at = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(NotFound):
        services.consent_by_token(recorded.withdrawal_token)

"""Capstone brief services against the database: submitting (markdown and real generated PDF
and DOCX files, and bad ones), the rater and the supervision queue, versions (a failing brief
may be resubmitted, a passing one ends it), the contract `capstone_passed`, and who may read a
brief."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.assessments.models import Assessment
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.practicum.capstone import files as capstone_files
from coachprog.practicum.capstone import services
from coachprog.practicum.capstone.domain import BriefState
from coachprog.practicum.capstone.models import CapstoneBrief
from coachprog.practicum.supervision import services as supervision_services
from coachprog.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import enrolled_trainee
from tests.practicum.capstone.builders import (
    FAILING,
    PASSING,
    capstone_trainee,
    docx_bytes,
    draft,
    pdf_bytes,
    score,
    text,
)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def _upload(name: str, data: bytes) -> services.Upload:
    return services.Upload(name, data)


def test_markdown_brief_opens_an_assessment_with_the_supervisor_as_rater() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    assert (brief.version, brief.format, brief.word_count) == (1, "markdown", 302)
    assessment = brief.assessment
    assert assessment.status == "open" and assessment.kind == "live" and not assessment.blind
    assert assessment.rubric_version.rubric_key == "capstone-brief"
    assert brief.evidence.subject_person_id == person.id
    assert brief.evidence.link.endswith(f"/practicum/capstone/{brief.id}")
    assert [(a.rater_id, a.role) for a in assessment.assignments] == [(supervisor.id, "rater")]
    assert brief.state is BriefState.SCORING and brief.rater_note == ""
    queue = supervision_services.queue(supervisor)
    assert [a.assessment_id for a in queue.briefs_to_score] == [assessment.id]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "practicum.capstone_submitted" in actions and "assessment.rater_assigned" in actions


def test_objectives_are_stored_one_a_line() -> None:
    person, trainee, _, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    assert brief.objective_items == ["Holds a monthly career conversation with each report",
                                     "Delegates one decision a week"]


def test_uncalibrated_supervisor_leaves_the_brief_waiting_for_a_rater() -> None:
    person, trainee, _, engagement = capstone_trainee(calibrated=False)
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    assert brief.assessment.assignments == []
    assert brief.state is BriefState.WAITING_RATER
    assert "not calibrated" in brief.rater_note


@pytest.mark.parametrize(("fields", "field", "text"), [
    ({"kpi_name": ""}, "kpi_name", "mandatory"),
    ({"kpi_baseline": " "}, "kpi_baseline", "mandatory"),
    ({"kpi_target": ""}, "kpi_target", "mandatory"),
    ({"kpi_source": ""}, "kpi_source", "mandatory"),
    ({"kpi_baseline": "12 %", "kpi_target": "12.0%"}, "kpi_target", "equals the baseline"),
    ({"objectives": ""}, "objectives", "session objectives"),
    ({"body_markdown": text(20)}, "body_markdown", "at least 100"),
    ({"body_markdown": text(1200)}, "body_markdown", "two pages hold about 1100"),
    ({"body_markdown": "x" * 20_001}, "body_markdown", "At most 20000"),
    ({"engagement_id": None}, "engagement_id", "engagements you coach"),
    ({"mode": "fax"}, "mode", "editor or upload"),
    ({"mode": "upload"}, "upload", "Choose the PDF or DOCX"),
])
def test_bad_briefs_are_refused_and_nothing_is_saved(fields, field, text) -> None:
    person, trainee, _, engagement = capstone_trainee()
    with pytest.raises(DomainError) as refused:
        services.submit_brief(trainee, person.id, draft(engagement, **fields))
    assert text in refused.value.field_errors[field][0]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CapstoneBrief)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_an_engagement_someone_else_coaches_is_refused() -> None:
    person, trainee, _, _ = capstone_trainee()
    _, _, _, other = capstone_trainee()
    with pytest.raises(DomainError) as refused:
        services.submit_brief(trainee, person.id, draft(other))
    assert "engagement_id" in refused.value.field_errors


def test_pdf_upload_is_checked_and_stored_under_a_random_name(app) -> None:
    person, trainee, _, engagement = capstone_trainee()
    data = pdf_bytes(2)
    brief = services.submit_brief(trainee, person.id, draft(
        engagement, mode="upload", body_markdown="", upload=_upload("My Plan.pdf", data)))
    assert (brief.format, brief.page_count, brief.file_name) == ("pdf", 2, "My Plan.pdf")
    briefs = capstone_files.capstone_store()
    with briefs.open(brief.storage_name) as stored:
        assert stored.read() == data and len(brief.storage_name) == 32
    with briefs.local_path(brief.storage_name) as path:
        assert "static" not in path.parts and path.is_relative_to(app.instance_path)
    found = services.open_file(trainee, brief.id)
    assert found.download_name == "capstone-brief-v1.pdf" and found.mimetype == "application/pdf"


def test_docx_upload_counts_words_and_pages() -> None:
    person, trainee, _, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(
        engagement, mode="upload", upload=_upload("plan.docx", docx_bytes(400, page_breaks=1))))
    assert brief.format == "docx" and brief.page_count == 2 and brief.word_count >= 400
    assert brief.body_markdown == ""


@pytest.mark.parametrize(("name", "data", "text"), [
    ("plan.pdf", pdf_bytes(3), "3 pages; it is at most 2"),
    ("plan.pdf", pdf_bytes(1, password="secret"), "password-protected"),
    ("plan.pdf", pdf_bytes(2)[:300], "damaged"),
    ("plan.pdf", b"Just some text renamed to look like a PDF.\n" * 10, "not a PDF"),
    ("plan.docx", b"Just some text renamed to look like a DOCX.\n" * 10, "not a Word .docx"),
    ("plan.docx", b"PK\x03\x04" + b"\x00" * 200, "damaged"),
    ("plan.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "password-protected"),
    ("plan.docx", docx_bytes(1500), "1502 words"),
    ("plan.docx", docx_bytes(300, page_breaks=2), "3 pages"),
    ("plan.docx", docx_bytes(30), "at least 100"),
    ("plan.txt", b"hello", "Upload a PDF (.pdf) or Word (.docx)"),
    ("plan.pdf", b"", "empty"),
])
def test_bad_files_are_refused_in_words(name: str, data: bytes, text: str) -> None:
    person, trainee, _, engagement = capstone_trainee()
    folder = capstone_files.capstone_store().staging_dir()
    before = set(folder.glob("*")) if folder.exists() else set()
    with pytest.raises(DomainError) as refused:
        services.submit_brief(trainee, person.id, draft(engagement, mode="upload",
                                                        upload=_upload(name, data)))
    assert text in refused.value.field_errors["upload"][0]
    after = set(folder.glob("*")) if folder.exists() else set()
    assert after == before  # nothing written for a refused file


def test_a_file_over_the_size_limit_is_refused(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "COACHPROG_CAPSTONE_MAX_BYTES", 1000)
    person, trainee, _, engagement = capstone_trainee()
    with pytest.raises(DomainError) as refused:
        services.submit_brief(trainee, person.id, draft(
            engagement, mode="upload", upload=_upload("plan.pdf", pdf_bytes(2) + b" " * 1000)))
    assert "larger than" in refused.value.field_errors["upload"][0]


def test_failing_brief_may_be_revised_and_every_version_is_kept() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    first = services.submit_brief(trainee, person.id, draft(engagement))
    with pytest.raises(DomainError, match="Version 1 is still being scored"):
        services.submit_brief(trainee, person.id, draft(engagement))
    score(first, supervisor, FAILING)
    assert first.state is BriefState.FAILED
    assert supervision_services.capstone_passed(person.id) is False
    assert services.submission_block(trainee, person.id) is None
    second = services.submit_brief(trainee, person.id, draft(engagement, kpi_target="10 %"))
    assert second.version == 2 and second.assessment_id != first.assessment_id
    assert [b.version for b in services.briefs_of(person.id)] == [1, 2]
    assert services.get_brief(trainee, first.id).kpi_target == "12 % by Q1 2027"


def test_passing_brief_stops_further_versions_and_counts_for_the_gate() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    score(brief, supervisor, PASSING)
    assert brief.state is BriefState.PASSED
    assert supervision_services.capstone_passed(person.id) is True
    assert "has passed" in (services.submission_block(trainee, person.id) or "")
    with pytest.raises(DomainError, match="no further versions"):
        services.submit_brief(trainee, person.id, draft(engagement))
    overview = services.overview(trainee, person.id)
    assert overview.latest is not None and overview.latest.id == brief.id and overview.blocked


def test_only_enrolled_trainees_submit_and_only_for_themselves() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    with pytest.raises(NotPermitted):
        services.submit_brief(supervisor, person.id, draft(engagement))
    loose = PersonFactory()
    loose_user = UserFactory(roles=[Role.COACH], person_id=loose.id)
    db.session.flush()
    assert "not enrolled" in (services.submission_block(loose_user, loose.id) or "")
    with pytest.raises(NotFound):
        services.submission_block(trainee, 999_999)


def test_missing_rubric_is_explained(monkeypatch) -> None:
    person, trainee, _, engagement = capstone_trainee()
    monkeypatch.setattr(services, "capstone_rubric", lambda: None)
    with pytest.raises(DomainError, match="capstone rubric is not loaded"):
        services.submit_brief(trainee, person.id, draft(engagement))


def test_who_reads_a_brief() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    admin = UserFactory(roles=[Role.ADMIN])
    sponsor = UserFactory(roles=[Role.SPONSOR, Role.LEAD_COACH])
    master = UserFactory(roles=[Role.MASTER_COACH])
    other_person, other_trainee, _ = enrolled_trainee()
    manager_person = PersonFactory()
    db.session.flush()
    person.manager_id = manager_person.id
    manager = UserFactory(roles=[Role.MANAGER, Role.LEAD_COACH], person_id=manager_person.id)
    leader_user = UserFactory(roles=[Role.COACH], person_id=engagement.coachee_person_id)
    db.session.flush()
    assert services.get_brief(trainee, brief.id).id == brief.id
    assert services.get_brief(supervisor, brief.id).id == brief.id
    for outsider in (admin, sponsor, master, other_trainee, manager, leader_user):
        with pytest.raises(NotPermitted):
            services.get_brief(outsider, brief.id)
        with pytest.raises(NotPermitted):
            services.open_file(outsider, brief.id)
    # Admins see the versions and their status, not the content.
    assert services.overview(admin, person.id).briefs[0].id == brief.id
    for outsider in (sponsor, other_trainee, manager):
        with pytest.raises(NotPermitted):
            services.overview(outsider, person.id)
    # A master coach reads it while its scoring is in moderation (they settle it).
    brief.assessment.status = "moderation"
    db.session.flush()
    assert services.get_brief(master, brief.id).id == brief.id
    assert other_person.id != person.id


def test_reading_someone_elses_brief_is_audited() -> None:
    person, trainee, supervisor, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    services.get_brief(trainee, brief.id)
    services.get_brief(supervisor, brief.id)
    reads = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "practicum.capstone_read")).all()
    assert [r.actor_id for r in reads] == [supervisor.id]


def test_markdown_is_rendered_and_sanitised() -> None:
    html = str(services.render_markdown(
        "# Plan\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**\n\n"
        "[ok](https://example.com/kpi)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h1>Plan</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://example.com/kpi" rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html


def test_file_of_a_markdown_brief_is_not_found() -> None:
    person, trainee, _, engagement = capstone_trainee()
    brief = services.submit_brief(trainee, person.id, draft(engagement))
    with pytest.raises(NotFound):
        services.open_file(trainee, brief.id)

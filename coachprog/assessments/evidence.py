"""Evidence items: what an assessment scores (a document, a link, a recorded session), and
their files, kept in the `evidence` area of the file store and read only by those who may
see the assessment (every read audited). Services flush; the caller commits.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.utils import secure_filename

from coachprog import storage as files
from coachprog.assessments import domain
from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.authority import can, require
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person

DEFAULT_MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = frozenset({
    "pdf", "txt", "md", "docx", "odt", "pptx", "xlsx", "png", "jpg", "jpeg",
    "mp3", "m4a", "wav", "mp4", "webm",
})


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: IO[bytes]


def evidence_store() -> files.Storage:
    """Evidence files live in the `evidence` area of the file store (instance/evidence/ or
    COACHPROG_EVIDENCE_DIR, or the object store), never under static/."""
    return files.store_for("evidence")


def _max_evidence_bytes() -> int:
    return int(current_app.config.get("COACHPROG_MAX_EVIDENCE_BYTES",
                                      DEFAULT_MAX_EVIDENCE_BYTES))


def _stream_size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def create_evidence_item(
    actor: Any, *, title: str, description: str = "", link: str = "",
    subject_employee_id: str = "", attachment: Upload | None = None,
    recording_id: int | None = None,
) -> EvidenceItem:
    """An evidence item; `recording_id` names the recorded session it is (its raters hear
    and read it on the scoring page under the recordings' content rules)."""
    require(actor, "can_manage_assessments")
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = ["Give the evidence a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    link = link.strip()
    if link and (problem := domain.link_problem(link)):
        errors["link"] = [problem]
    subject = None
    if subject_employee_id.strip():
        subject = db.session.scalar(
            sa.select(Person).where(Person.employee_id == subject_employee_id.strip()))
        if subject is None:
            errors["subject_employee_id"] = [
                f"No person with employee id {subject_employee_id.strip()}."]
    stored_name = None
    if attachment is not None and attachment.filename:
        stored_name = secure_filename(attachment.filename)[:200]
        extension = stored_name.rsplit(".", 1)[-1].lower() if "." in stored_name else ""
        limit = _max_evidence_bytes()
        if extension not in ATTACHMENT_EXTENSIONS:
            errors["attachment"] = ["Attach a document, image, audio or video file ("
                                    + ", ".join(sorted(ATTACHMENT_EXTENSIONS)) + ")."]
        elif _stream_size(attachment.stream) > limit:
            errors["attachment"] = [f"The file is larger than {limit / 1024 / 1024:.0f} MB."]
        elif _stream_size(attachment.stream) == 0:
            errors["attachment"] = ["The file is empty."]
    if errors:
        raise DomainError("The evidence item has problems.", field_errors=errors)
    item = EvidenceItem(title=title, description=description.strip(), link=link or None,
                        subject_person_id=subject.id if subject else None,
                        recording_id=recording_id, created_by_id=getattr(actor, "id", None))
    if attachment is not None and stored_name:
        store = evidence_store()
        # A random name: nothing about the person or the upload's own name on disk.
        token = secrets.token_hex(16)
        store.put(token, attachment.stream)
        files.delete_on_rollback(store, token)
        item.attachment_path = f"evidence/{token}"
        item.attachment_name = stored_name
    db.session.add(item)
    db.session.flush()
    audit.record("evidence.created", actor=actor, object_type="evidence_item",
                 object_id=item.id, detail={"attachment": bool(item.attachment_path),
                                            "link": bool(item.link),
                                            "subject_person_id": item.subject_person_id})
    return item


def list_evidence_items(actor: Any, limit: int = 500) -> Sequence[EvidenceItem]:
    require(actor, "can_manage_assessments")
    return db.session.scalars(
        sa.select(EvidenceItem).options(joinedload(EvidenceItem.subject))
        .order_by(EvidenceItem.created_at.desc(), EvidenceItem.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class AttachmentFile:
    store: files.Storage
    name: str
    download_name: str
    mimetype: str


def open_attachment(actor: Any, assessment: Assessment) -> AttachmentFile:
    """The evidence file of an assessment, for those who may see the assessment; audited.
    A blind assessment's raters get a neutral file name (the upload's name may name them)."""
    require(actor, "can_view_assessment", assessment)
    item = assessment.evidence
    if not item.attachment_path:
        raise NotFound("attachment")
    store, stored = evidence_store(), files.safe_name(item.attachment_path)
    if not store.exists(stored):
        raise NotFound("attachment")
    name = item.attachment_name or "evidence"
    if not can(actor, "can_view_assessment_evidence", assessment):
        extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
        name = f"evidence-{assessment.id}.{extension}"
    audit.record("evidence.attachment_read", actor=actor, object_type="evidence_item",
                 object_id=item.id, detail={"assessment_id": assessment.id})
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return AttachmentFile(store, stored, name, mimetype)

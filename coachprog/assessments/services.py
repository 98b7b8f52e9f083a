"""Assessment use cases: evidence items, assessments, rater assignment (with conflict and
calibration gates), blind scoring, closing or moderation, and the admins' export.

Every change writes an audit entry; every read of someone else's evidence notes is audited
too (coaching content). Services flush; the caller commits.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.utils import secure_filename

from coachprog import storage as files
from coachprog.assessments import domain
from coachprog.assessments.domain import (
    AssessmentKind,
    AssessmentStatus,
    AssignmentRole,
    AssignmentStatus,
)
from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.auth.domain import RATER_ROLES
from coachprog.auth.models import RoleGrant, User
from coachprog.auth.permissions import can, require
from coachprog.calibration.services import calibrated_until, calibration_refusal
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.people.services import get_manager_links
from coachprog.rubrics.domain import Rubric, score_assessment
from coachprog.rubrics.models import RubricVersion

DEFAULT_MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = frozenset({
    "pdf", "txt", "md", "docx", "odt", "pptx", "xlsx", "png", "jpg", "jpeg",
    "mp3", "m4a", "wav", "mp4", "webm",
})

# --- coaching relationships (pluggable) ------------------------------------------------------

CoachingSource = Callable[[int], Iterable[int]]
"""Given a rater's person id, the person ids they coach (or have coached)."""

COACHING_SOURCES: list[CoachingSource] = []

CoachingSourceMany = Callable[[Collection[int]], Mapping[int, Iterable[int]]]
"""A source's batch twin: given raters' person ids, {rater: the person ids they coach}, from
one query whatever their number (choice lists and the audit draw ask about many raters)."""

COACHING_SOURCES_MANY: dict[CoachingSource, CoachingSourceMany] = {}


def register_coaching_source(source: CoachingSource, *,
                             many: CoachingSourceMany | None = None) -> CoachingSource:
    """Later issues (coaching relationships) register where "rater coaches subject" comes
    from; until then no source exists and that conflict rule never fires. `many`, when
    given, answers for many raters at once."""
    COACHING_SOURCES.append(source)
    if many is not None:
        COACHING_SOURCES_MANY[source] = many
    return source


def coachees_of_many(person_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """{rater person: everyone they coach} from every source: one query per source that has a
    batch twin, one per person for a source that has none."""
    wanted = sorted(set(person_ids))
    found: dict[int, set[int]] = {p: set() for p in wanted}
    for source in COACHING_SOURCES:
        many = COACHING_SOURCES_MANY.get(source)
        if many is not None:
            for person_id, coachees in many(wanted).items():
                found.setdefault(person_id, set()).update(coachees)
        else:
            for person_id in wanted:
                found[person_id].update(source(person_id))
    return {p: frozenset(c) for p, c in found.items()}


def relationship_facts(rater: User, subject_person_id: int | None) -> domain.RelationshipFacts:
    """What the conflict rules need about a rater and a subject: both reporting lines come
    from one query, whatever their depth."""
    coachees: set[int] = set()
    if rater.person_id is not None:
        for source in COACHING_SOURCES:
            coachees.update(source(rater.person_id))
    managers = get_manager_links((rater.person_id, subject_person_id))
    return domain.RelationshipFacts(
        rater_person_id=rater.person_id,
        subject_person_id=subject_person_id,
        rater_manager_chain=domain.manager_chain(rater.person_id, managers),
        subject_manager_chain=domain.manager_chain(subject_person_id, managers),
        rater_coachee_ids=frozenset(coachees),
        rater_name=rater.display_name,
    )


def relationship_facts_many(raters: Sequence[User], subject_person_ids: Iterable[int]
                            ) -> Callable[[User, int], domain.RelationshipFacts]:
    """`relationship_facts` for every (rater, subject) pair of a batch (a quarter's audit
    assignment), from one reporting-line query and one coaching query per rater and source,
    instead of three or more queries per pair (one query per coaching source with a batch
    twin, whatever the number of raters)."""
    subjects = set(subject_person_ids)
    coachees = coachees_of_many(r.person_id for r in raters if r.person_id is not None)
    managers = get_manager_links({r.person_id for r in raters} | subjects)

    def facts(rater: User, subject_person_id: int) -> domain.RelationshipFacts:
        return domain.RelationshipFacts(
            rater_person_id=rater.person_id,
            subject_person_id=subject_person_id,
            rater_manager_chain=domain.manager_chain(rater.person_id, managers),
            subject_manager_chain=domain.manager_chain(subject_person_id, managers),
            rater_coachee_ids=coachees.get(rater.person_id, frozenset())
            if rater.person_id is not None else frozenset(),
            rater_name=rater.display_name,
        )

    return facts


# --- evidence ----------------------------------------------------------------------------------


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


# --- assessments -------------------------------------------------------------------------------


def list_rubric_versions(actor: Any) -> Sequence[RubricVersion]:
    require(actor, "can_manage_assessments")
    return db.session.scalars(
        sa.select(RubricVersion).order_by(RubricVersion.title, RubricVersion.version.desc())
    ).all()


def create_assessment(
    actor: Any, *, evidence_item_id: int | None, rubric_version_id: int | None, title: str,
    blind: bool, kind: str = AssessmentKind.LIVE.value,
    calibration_exercise_id: int | None = None,
) -> Assessment:
    require(actor, "can_manage_assessments")
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = ["Give the assessment a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    evidence = db.session.get(EvidenceItem, evidence_item_id) if evidence_item_id else None
    if evidence is None:
        errors["evidence_item_id"] = ["Choose the evidence to assess."]
    rubric_version = db.session.get(RubricVersion, rubric_version_id) \
        if rubric_version_id else None
    if rubric_version is None:
        errors["rubric_version_id"] = ["Choose a rubric version."]
    try:
        kind = AssessmentKind(kind).value
    except ValueError:
        errors["kind"] = ["Kind is live or calibration."]
    if errors or evidence is None or rubric_version is None:
        raise DomainError("The assessment has problems.", field_errors=errors)
    assessment = Assessment(
        evidence_item_id=evidence.id, rubric_version_id=rubric_version.id, title=title,
        blind=blind, kind=kind, calibration_exercise_id=calibration_exercise_id,
        status=AssessmentStatus.OPEN.value,
        subject_pseudonym=domain.pseudonym_from(secrets.token_bytes(8)),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record("assessment.created", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"rubric_version_id": rubric_version.id, "blind": blind, "kind": kind,
                         "evidence_item_id": evidence.id})
    return assessment


def get_assessment(actor: Any, assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("assessment")
    require(actor, "can_view_assessment", assessment)
    refuse_if_conflicted(actor, assessment)
    return assessment


def refuse_if_conflicted(actor: Any, assessment: Assessment) -> None:
    """Program staff see every assessment, but not one of a person they have a conflict of
    interest with (issue 21): the same registry as for raters and moderators — manager chain
    both ways, coaching, their own candidacy. The detail, scoring and moderation pages and the
    evidence download all load through here; the list does not (it shows titles only and
    stays a fixed number of queries)."""
    if getattr(actor, "id", None) is None or getattr(actor, "person_id", None) is None:
        # The shell operator, or an account with no person in the directory: no relation.
        return
    conflicts = check_moderation_conflicts(actor, assessment).conflicts
    if conflicts:
        raise NotPermitted("can_view_assessment", reason=(
            "You cannot open this assessment. Conflict of interest: " + " ".join(conflicts)
            + " Other program staff handle it."))


# What every listing reads per row (titles, blind rules, raters): loaded up front so a page
# costs the same few queries whatever its length.
_LISTING_LOADS = (
    selectinload(Assessment.assignments).joinedload(RaterAssignment.rater),
    joinedload(Assessment.evidence).joinedload(EvidenceItem.subject),
    joinedload(Assessment.rubric_version),
)


@dataclass(frozen=True)
class AssessmentQuery:
    status: str = ""
    page: int = 1
    per_page: int = 50


def list_assessments(actor: Any, params: AssessmentQuery) -> tuple[Sequence[Assessment], int]:
    """All assessments for program staff; one's own assignments for everyone else."""
    require(actor, "can_list_assessments")
    query = sa.select(Assessment)
    if not can(actor, "can_manage_assessments"):
        query = query.where(Assessment.id.in_(
            sa.select(RaterAssignment.assessment_id).where(RaterAssignment.rater_id == actor.id)))
    if params.status in {s.value for s in AssessmentStatus}:
        query = query.where(Assessment.status == params.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(*_LISTING_LOADS)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(params.per_page).offset((params.page - 1) * params.per_page)
    ).all()
    return rows, total


def eligible_raters() -> Sequence[User]:
    """Active accounts holding a role that may score (rater, master coach, lead coach)."""
    # Their roles come along: the choice lists ask about each one (sponsors are barred).
    return db.session.scalars(
        sa.select(User).where(User.is_active.is_(True), User.id.in_(
            sa.select(RoleGrant.user_id).where(RoleGrant.role.in_([r.value for r in RATER_ROLES]))
        )).options(selectinload(User.role_grants)).order_by(User.display_name, User.id)
    ).all()


def list_eligible_raters(actor: Any, assessment: Assessment) -> Sequence[User]:
    require(actor, "can_view_rater_choices", assessment)
    taken = {a.rater_id for a in assessment.assignments}
    return [u for u in eligible_raters() if u.id not in taken]


@dataclass(frozen=True)
class RaterChoice:
    """One person a rater dropdown offers, with their calibration for the rubric."""

    user: User
    calibrated: bool
    until: Any = None  # datetime when calibration lapses; None: no expiry or not calibrated

    @property
    def label(self) -> str:
        return f"{self.user.display_name} ({self.user.email})"

    @property
    def status(self) -> str:
        """The calibration in words: "calibrated until 2027-11-23" or "not calibrated"."""
        if not self.calibrated:
            return "not calibrated"
        if self.until is None:
            return "calibrated"
        return f"calibrated until {self.until:%Y-%m-%d}"


def list_rater_choices(actor: Any, assessment: Assessment, *,
                       moderation: bool = False) -> list[RaterChoice]:
    """Who may be offered as a rater, each with their calibration status for the rubric.

    In moderation the moderator is never offered (they settle, they do not rate), and a live
    assessment offers only calibrated raters: anyone else would be refused.
    """
    people = list_eligible_raters(actor, assessment)
    until = calibrated_until([u.id for u in people], assessment.rubric_version.rubric_key)
    choices = [RaterChoice(u, u.id in until, until.get(u.id)) for u in people]
    if moderation:
        choices = [c for c in choices if c.user.id != getattr(actor, "id", None)
                   and (c.calibrated or assessment.kind != AssessmentKind.LIVE.value)]
    return choices


CALIBRATION_WAY_FORWARD = ("An admin includes them in a calibration exercise for this rubric "
                           "(Calibration → New exercise).")


def _refuse(message: str, field: str = "rater_id") -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _load_rater(rater_id: int | None) -> User | None:
    """The user to assign; None when no one was chosen, refused when the id names no one."""
    if not rater_id:
        return None
    user = db.session.get(User, rater_id)
    if user is None:
        raise _refuse(f"No user {rater_id}.")
    return user


def _check_rater(assessment: Assessment, rater: User | None, role: AssignmentRole) -> User:
    if rater is None:
        raise _refuse("Choose a rater.")
    if not can(rater, "can_be_assigned_assessments"):
        raise _refuse(f"{rater.display_name} cannot rate: raters hold the rater, master coach "
                      "or lead coach role.")
    if role is AssignmentRole.GOLD and not can(rater, "can_score_gold_marks"):
        raise _refuse("Gold marks are agreed by master coaches.")
    if any(a.rater_id == rater.id for a in assessment.assignments):
        raise _refuse(f"{rater.display_name} is already assigned to this assessment.")
    conflicts = domain.find_conflicts(
        relationship_facts(rater, assessment.evidence.subject_person_id))
    if conflicts:
        raise _refuse("Conflict of interest: " + " ".join(conflicts))
    if getattr(assessment.evidence, "recording_id", None) is not None:
        # The chain bar: nobody above the recorded session's coach or coachee scores it.
        from coachprog.recordings.review.citations import chain_rater_refusal

        refusal = chain_rater_refusal(rater, assessment)
        if refusal:
            raise _refuse(refusal)
    if assessment.blind and getattr(assessment.evidence, "recording_id", None) is not None:
        # A rater who knows the coach through the recording would know whose session it is.
        from coachprog.recordings.review.citations import blind_rater_refusal

        refusal = blind_rater_refusal(rater, assessment)
        if refusal:
            raise _refuse(refusal)
    if assessment.kind == AssessmentKind.LIVE.value and role is AssignmentRole.RATER:
        refusal = calibration_refusal(rater, assessment.rubric_version.rubric_key,
                                      rubric_title=assessment.rubric_version.title)
        if refusal:
            raise _refuse(f"{refusal} {CALIBRATION_WAY_FORWARD}")
    return rater


def assign_rater(actor: Any, assessment: Assessment, rater_id: int | None,
                 role: str = AssignmentRole.RATER.value) -> RaterAssignment:
    """Assign a rater (or, on a calibration item, the gold marker) to an open assessment."""
    require(actor, "can_manage_assessments")
    try:
        assignment_role = AssignmentRole(role)
    except ValueError:
        raise _refuse("The role is rater or gold.", "role") from None
    if assignment_role is AssignmentRole.MODERATOR:
        raise _refuse("Moderators are not assigned; they settle in moderation.", "role")
    if assignment_role is AssignmentRole.GOLD and \
            assessment.kind != AssessmentKind.CALIBRATION.value:
        raise _refuse("Gold marks belong to calibration items only.", "role")
    if assessment.status != AssessmentStatus.OPEN.value:
        raise _refuse(f"Raters can be added only while the assessment is open (it is "
                      f"{assessment.status}); in moderation, the moderator adds a third rater.")
    rater = _check_rater(assessment, _load_rater(rater_id), assignment_role)
    return _add_assignment(actor, assessment, rater, assignment_role)


def _add_assignment(actor: Any, assessment: Assessment, rater: User,
                    role: AssignmentRole) -> RaterAssignment:
    assignment = RaterAssignment(assessment=assessment, rater_id=rater.id, role=role.value,
                                 status=AssignmentStatus.ASSIGNED.value,
                                 assigned_by_id=getattr(actor, "id", None))
    db.session.add(assignment)
    db.session.flush()
    audit.record("assessment.rater_assigned", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"rater_id": rater.id, "role": role.value,
                         "assignment_id": assignment.id})
    return assignment


def get_assignment(actor: Any, assignment_id: int) -> RaterAssignment:
    assignment = db.session.get(RaterAssignment, assignment_id)
    if assignment is None:
        raise NotFound("assignment")
    require(actor, "can_score_assignment", assignment)
    # A relation that began after the rater was assigned closes the scoring page too.
    refuse_if_conflicted(actor, assignment.assessment)
    return assignment


def rubric_of(assessment: Assessment) -> Rubric:
    return assessment.rubric_version.to_domain()


def marks_of(assignment: RaterAssignment) -> tuple[dict[str, int | None], dict[str, str]]:
    return ({m.behaviour_id: m.value for m in assignment.marks},
            {m.behaviour_id: m.note for m in assignment.marks})


def _write_marks(assignment: RaterAssignment, values: Mapping[str, int | None],
                 notes: Mapping[str, str]) -> None:
    existing = {m.behaviour_id: m for m in assignment.marks}
    for behaviour_id in values.keys() | notes.keys():
        mark = existing.get(behaviour_id)
        if mark is None:
            mark = Mark(behaviour_id=behaviour_id)
            assignment.marks.append(mark)
        mark.value = values.get(behaviour_id)
        mark.note = notes.get(behaviour_id, "")


def _parse_or_refuse(rubric: Rubric, raw_values: Mapping[str, str | None],
                     raw_notes: Mapping[str, str | None], *, complete: bool,
                     prefix: str = "") -> domain.ParsedMarks:
    parsed = domain.parse_marks(rubric, raw_values, raw_notes)
    errors = {b: [message] for b, message in parsed.errors.items()}
    if complete:
        for behaviour_id in domain.missing_marks(rubric, parsed.values):
            errors.setdefault(behaviour_id, ["Give a mark before submitting."])
    if errors:
        count = len(errors)
        raise DomainError(f"{count} behaviour(s) need attention.",
                          field_errors={prefix + k: v for k, v in errors.items()})
    return parsed


def save_marks(actor: Any, assignment: RaterAssignment, raw_values: Mapping[str, str | None],
               raw_notes: Mapping[str, str | None], *, submit: bool,
               citations: Mapping[str, Sequence[int]] | None = None) -> RaterAssignment:
    """Save a draft (partial marks allowed) or submit (every behaviour marked): the result is
    computed by the rubric's pure scoring rule and stored on the assignment.

    `citations` (behaviour id → transcript segment ids) replaces the moments each named mark
    cites; None leaves citations alone (see recordings.citations.save_citations)."""
    require(actor, "can_score_assignment", assignment)
    assessment = assignment.assessment
    if assessment.status != AssessmentStatus.OPEN.value:
        raise DomainError(f"This assessment is {assessment.status}; marks can no longer change.")
    if assignment.status == AssignmentStatus.SUBMITTED.value:
        raise DomainError("You have submitted your marks; they can no longer change.")
    rubric = rubric_of(assessment)
    parsed = _parse_or_refuse(rubric, raw_values, raw_notes, complete=submit)
    _write_marks(assignment, parsed.values, parsed.notes)
    if citations is not None:
        from coachprog.recordings.review.citations import save_citations

        db.session.flush()  # new marks need ids before their citations
        save_citations(actor, assignment, citations)
    if not submit:
        assignment.status = AssignmentStatus.DRAFT.value
        db.session.flush()
        audit.record("assessment.marks_saved", actor=actor, object_type="assessment",
                     object_id=assessment.id, detail={"assignment_id": assignment.id,
                                                      "marked": sum(v is not None for v in
                                                                    parsed.values.values())})
        return assignment
    marks = {k: v for k, v in parsed.values.items() if v is not None}
    result = score_assessment(rubric, marks)
    assignment.result = result.as_dict()
    assignment.status = AssignmentStatus.SUBMITTED.value
    assignment.submitted_at = utcnow()
    db.session.flush()
    audit.record("assessment.marks_submitted", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"assignment_id": assignment.id, "overall": result.as_dict()["overall"],
                         "passed": result.passed})
    _after_submission(actor, assessment)
    return assignment


def _rater_assignments(assessment: Assessment) -> list[RaterAssignment]:
    return [a for a in assessment.assignments if a.role == AssignmentRole.RATER.value]


def disagreement(assessment: Assessment) -> domain.Agreement:
    """How the submitted raters' results compare under the configured tolerance."""
    results = [domain.result_from_dict(a.result) for a in _rater_assignments(assessment)
               if a.status == AssignmentStatus.SUBMITTED.value and a.result]
    return domain.compare_results(results, current_app.config["COACHPROG_MODERATION_TOLERANCE"])


def _after_submission(actor: Any, assessment: Assessment) -> None:
    """Once every rater of a live assessment has submitted: close it with the combined result
    when they agree, otherwise send it to moderation. Calibration items stay open (their
    exercise decides); gold marks never move an assessment."""
    if assessment.kind != AssessmentKind.LIVE.value:
        return
    raters = _rater_assignments(assessment)
    if not raters or any(a.status != AssignmentStatus.SUBMITTED.value for a in raters):
        return
    results = [domain.result_from_dict(a.result or {}) for a in raters]
    agreement = disagreement(assessment)
    if agreement.agreed:
        rubric = rubric_of(assessment)
        unmet = [domain.unmet_non_negotiables(
            rubric, {m.behaviour_id: m.value for m in a.marks if m.value is not None})
            for a in raters]
        combined = domain.combine_results(results, rules=rubric.pass_rules, unmet=unmet)
        assessment.status = domain.transition(assessment.status, AssessmentStatus.CLOSED).value
        assessment.result = {**combined.as_dict(),
                             "basis": "single" if len(results) == 1 else "combined",
                             "raters": len(results)}
        assessment.closed_at = utcnow()
        db.session.flush()
        audit.record("assessment.closed", actor=actor, object_type="assessment",
                     object_id=assessment.id,
                     detail={"basis": assessment.result["basis"], "passed": combined.passed})
        return
    assessment.status = domain.transition(assessment.status,
                                          AssessmentStatus.MODERATION).value
    db.session.flush()
    audit.record("assessment.sent_to_moderation", actor=actor, object_type="assessment",
                 object_id=assessment.id, detail={"reasons": list(agreement.reasons)})


# --- moderation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictCheck:
    """One moderator's conflict-of-interest check against one subject. A page works it out
    once per request and hands it to the moderation services, which check again only when it
    was made for another actor or subject."""

    actor_id: int | None
    subject_person_id: int | None
    conflicts: tuple[str, ...]

    def is_for(self, actor: Any, assessment: Assessment) -> bool:
        return (self.actor_id == getattr(actor, "id", None)
                and self.subject_person_id == assessment.evidence.subject_person_id)


def check_moderation_conflicts(actor: Any, assessment: Assessment) -> ConflictCheck:
    """Why the actor may not moderate this assessment's subject (the same conflict registry as
    for raters: manager chain both ways, coaching, themselves); no conflicts when there is
    none."""
    actor_id = getattr(actor, "id", None)
    subject_person_id = assessment.evidence.subject_person_id
    if actor_id is None:
        # The operator at the shell is no person in the directory.
        return ConflictCheck(actor_id, subject_person_id, ())
    facts = relationship_facts(actor, subject_person_id)
    return ConflictCheck(actor_id, subject_person_id, tuple(domain.find_conflicts(facts)))


def moderation_conflicts(actor: Any, assessment: Assessment) -> list[str]:
    """The reasons of `check_moderation_conflicts`; empty when there is none."""
    return list(check_moderation_conflicts(actor, assessment).conflicts)


def _require_moderation(actor: Any, assessment: Assessment,
                        conflict_check: ConflictCheck | None) -> None:
    require(actor, "can_moderate_assessment", assessment)
    if assessment.status != AssessmentStatus.MODERATION.value:
        raise DomainError(f"This assessment is {assessment.status}, not in moderation.")
    if conflict_check is None or not conflict_check.is_for(actor, assessment):
        conflict_check = check_moderation_conflicts(actor, assessment)
    if conflict_check.conflicts:
        raise DomainError("Conflict of interest: " + " ".join(conflict_check.conflicts)
                          + " Another master coach must moderate.")


def add_moderation_rater(actor: Any, assessment: Assessment, rater_id: int | None, *,
                         conflict_check: ConflictCheck | None = None) -> RaterAssignment:
    """The moderator adds a further rater; the assessment is open again until they submit."""
    _require_moderation(actor, assessment, conflict_check)
    rater = _check_rater(assessment, _load_rater(rater_id), AssignmentRole.RATER)
    assessment.status = domain.transition(assessment.status, AssessmentStatus.OPEN).value
    return _add_assignment(actor, assessment, rater, AssignmentRole.RATER)


def settle_moderation(actor: Any, assessment: Assessment, raw_values: Mapping[str, str | None],
                      raw_notes: Mapping[str, str | None], reason: str, *,
                      conflict_check: ConflictCheck | None = None) -> Assessment:
    """Record the agreed marks and the reason; the result is computed from the agreed marks.
    The raters' own marks stay as they were."""
    _require_moderation(actor, assessment, conflict_check)
    rubric = rubric_of(assessment)
    reason = reason.strip()
    try:
        parsed = _parse_or_refuse(rubric, raw_values, raw_notes, complete=True)
    except DomainError as error:
        if not reason:
            error.field_errors["reason"] = ["Say why this is the agreed result."]
        raise
    if not reason:
        raise DomainError("Give the reason for the agreed result.",
                          field_errors={"reason": ["Say why this is the agreed result."]})
    if len(reason) > 5000:
        raise DomainError("The reason is too long.",
                          field_errors={"reason": ["Keep the reason under 5000 characters."]})
    marks = {k: v for k, v in parsed.values.items() if v is not None}
    result = score_assessment(rubric, marks)
    assignment = RaterAssignment(assessment=assessment, rater_id=actor.id,
                                 role=AssignmentRole.MODERATOR.value,
                                 status=AssignmentStatus.SUBMITTED.value,
                                 assigned_by_id=actor.id, submitted_at=utcnow(),
                                 result=result.as_dict())
    db.session.add(assignment)
    _write_marks(assignment, parsed.values, parsed.notes)
    assessment.status = domain.transition(assessment.status, AssessmentStatus.CLOSED).value
    assessment.result = {**result.as_dict(), "basis": "moderated",
                         "raters": len(_rater_assignments(assessment))}
    assessment.moderation_reason = reason
    assessment.moderated_by_id = actor.id
    assessment.closed_at = utcnow()
    db.session.flush()
    audit.record("assessment.moderated", actor=actor, object_type="assessment",
                 object_id=assessment.id,
                 detail={"assignment_id": assignment.id, "passed": result.passed,
                         "overall": result.as_dict()["overall"]})
    return assessment


# --- what a viewer may see ---------------------------------------------------------------------


@dataclass(frozen=True)
class MarkSheet:
    """One assignment's marks as a viewer may see them."""

    assignment: RaterAssignment
    values: dict[str, int | None]
    notes: dict[str, str]


def visible_mark_sheets(actor: Any, assessment: Assessment, *,
                        exclude_own: bool = True) -> list[MarkSheet]:
    """Other people's marks and notes the actor may see; reading them is audited."""
    sheets = []
    for assignment in assessment.assignments:
        if exclude_own and assignment.rater_id == getattr(actor, "id", None):
            continue
        if can(actor, "can_view_assignment_marks", assignment):
            values, notes = marks_of(assignment)
            sheets.append(MarkSheet(assignment, values, notes))
    if sheets:
        audit.record("assessment.marks_viewed", actor=actor, object_type="assessment",
                     object_id=assessment.id,
                     detail={"assignment_ids": [s.assignment.id for s in sheets]})
    return sheets


def display_title(actor: Any, assessment: Assessment) -> str:
    """The assessment's title, or for those who may not know the subject a neutral label (an
    admin may have named the person in the title)."""
    if can(actor, "can_view_assessment_subject", assessment):
        return assessment.title
    return f"{assessment.rubric_version.title} · {assessment.subject_pseudonym}"


def result_summary(assessment: Assessment, result: Mapping[str, Any] | None) -> str | None:
    """Why a passed result passed, from the rubric's pass rules (a failed one lists its
    failed rules instead)."""
    if not result or not result.get("passed"):
        return None
    return domain.passing_summary(domain.result_from_dict(result), rubric_of(assessment))


def rater_label(actor: Any, assignment: RaterAssignment) -> str:
    """The rater's name, or — where `can_view_rater_identity` says no (a co-rater on a blind
    assessment before it closes) — "Rater N", N the assignment's place on the assessment."""
    if can(actor, "can_view_rater_identity", assignment):
        return str(assignment.rater.display_name)
    ordered = sorted(a.id for a in assignment.assessment.assignments)
    return domain.rater_pseudonym(ordered.index(assignment.id) + 1)


def describe_assessment(actor: Any, assessment: Assessment) -> dict[str, Any]:
    """Everything about an assessment the actor may see, as plain data (pages and API).

    The one place the blind rules are applied to output: subject identity, titles and the
    evidence id only with `can_view_assessment_subject`, the evidence's title and description
    with `can_view_assessment_evidence` (calibration items show them to their scorers), each
    rater's result only with `can_view_assignment_marks`, the overall result only once
    closed."""
    require(actor, "can_view_assessment", assessment)
    knows_subject = can(actor, "can_view_assessment_subject", assessment)
    knows_evidence = can(actor, "can_view_assessment_evidence", assessment)
    evidence = assessment.evidence
    subject = evidence.subject
    version = assessment.rubric_version
    raters = []
    for a in assessment.assignments:
        visible = can(actor, "can_view_assignment_marks", a)
        raters.append({
            "assignment_id": a.id,
            "rater_id": a.rater_id if can(actor, "can_view_rater_identity", a) else None,
            "rater_name": rater_label(actor, a),
            "role": a.role, "status": a.status, "submitted_at": a.submitted_at,
            "result": a.result if visible and a.status == AssignmentStatus.SUBMITTED.value
            else None,
        })
    show_result = can(actor, "can_view_assessment_result", assessment)
    return {
        "id": assessment.id,
        "title": display_title(actor, assessment),
        "status": assessment.status,
        "kind": assessment.kind,
        "blind": assessment.blind,
        "pseudonym": assessment.subject_pseudonym,
        "subject": ({"name": subject.name, "employee_id": subject.employee_id,
                     "email": subject.email}
                    if knows_subject and subject is not None else None),
        "evidence": {
            # The id leads to the evidence item (and its subject) elsewhere: only for those
            # who may know whose it is.
            "id": evidence.id if knows_subject else None,
            "title": evidence.title if knows_evidence else None,
            "description": evidence.description if knows_evidence else None,
            "link": evidence.link,
            "has_attachment": bool(evidence.attachment_path),
        },
        "rubric": {"id": version.id, "key": version.rubric_key, "version": version.version,
                   "title": version.title},
        "raters": raters,
        "result": assessment.result if show_result else None,
        "result_summary": result_summary(assessment, assessment.result) if show_result else None,
        "moderation_reason": assessment.moderation_reason if show_result else None,
        "created_at": assessment.created_at,
        "closed_at": assessment.closed_at,
    }


# --- export ------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "assessment_id", "title", "kind", "status", "blind", "rubric", "rubric_version",
    "subject_employee_id", "subject_pseudonym", "overall", "passed", "failed_rules", "basis",
    "moderation_reason", "closed_at", "rater_email", "rater_role", "rater_status",
    "rater_submitted_at", "rater_overall", "rater_passed", "rater_notes",
)


def export_rows(actor: Any) -> list[dict[str, Any]]:
    """One row per assignment (rater, gold, moderator), the assessment's columns repeated; an
    assessment without assignments gets one row. A rater's scores and notes appear only where
    the exporter may see them: never notes of a blind assessment before it closes."""
    require(actor, "can_export_assessments")
    assessments = db.session.scalars(
        sa.select(Assessment).order_by(Assessment.id).options(
            selectinload(Assessment.assignments).options(
                joinedload(RaterAssignment.rater), selectinload(RaterAssignment.marks)),
            joinedload(Assessment.evidence).joinedload(EvidenceItem.subject),
            joinedload(Assessment.rubric_version))).unique().all()
    rows: list[dict[str, Any]] = []
    for assessment in assessments:
        knows_subject = can(actor, "can_view_assessment_subject", assessment)
        subject = assessment.evidence.subject
        result = assessment.result if assessment.status == AssessmentStatus.CLOSED.value \
            else None
        base = {
            "assessment_id": assessment.id,
            "title": display_title(actor, assessment),
            "kind": assessment.kind, "status": assessment.status,
            "blind": "yes" if assessment.blind else "no",
            "rubric": assessment.rubric_version.rubric_key,
            "rubric_version": assessment.rubric_version.version,
            "subject_employee_id": subject.employee_id if subject and knows_subject else "",
            "subject_pseudonym": assessment.subject_pseudonym,
            "overall": result["overall"] if result else "",
            "passed": ("yes" if result["passed"] else "no") if result else "",
            "failed_rules": " | ".join(result["failed_rules"]) if result else "",
            "basis": result.get("basis", "") if result else "",
            "moderation_reason": assessment.moderation_reason or "",
            "closed_at": assessment.closed_at.isoformat() if assessment.closed_at else "",
        }
        if not assessment.assignments:
            rows.append({**base, **dict.fromkeys(EXPORT_COLUMNS[15:], "")})
        for a in assessment.assignments:
            visible = can(actor, "can_export_assignment_marks", a) and a.result is not None
            notes = ""
            if visible:
                notes = " | ".join(f"{m.behaviour_id}: {m.note}" for m in a.marks if m.note)
            rows.append({
                **base, "rater_email": a.rater.email, "rater_role": a.role,
                "rater_status": a.status,
                "rater_submitted_at": a.submitted_at.isoformat() if a.submitted_at else "",
                "rater_overall": a.result["overall"] if visible and a.result else "",
                "rater_passed": ("yes" if a.result["passed"] else "no")
                if visible and a.result else "",
                "rater_notes": notes,
            })
    audit.record("assessments.exported", actor=actor, object_type="assessment",
                 detail={"rows": len(rows)})
    return rows

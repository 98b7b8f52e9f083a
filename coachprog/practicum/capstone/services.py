"""Capstone brief services: submitting a version (markdown or a checked PDF/DOCX), opening it
for scoring with the capstone rubric and the trainee's supervisor as rater, reading versions.
Services flush; the caller commits.

Submitting creates an `EvidenceItem` about the trainee and a live `Assessment` with the
latest capstone rubric version; the supervisor (a lead coach over the trainee first, else a
master coach) is assigned as rater when the assessment rules allow it (no conflict,
calibrated for the rubric) — the supervision queue then lists it. When none can be, the
assessment waits for program staff to assign a rater on its assessment page, and the version
says why. `supervision_services.capstone_passed` reads the closed assessment.

Rules: coachprog.practicum.capstone.domain. Who may do what: capstone_permissions.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nh3
import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup

from coachprog.assessments import domain as assessment_rules
from coachprog.assessments.conflicts import relationship_facts
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import User
from coachprog.authority import can, has_any_role, require
from coachprog.calibration.services import calibration_refusal
from coachprog.coaching.models import Engagement
from coachprog.coaching.supervisors import supervisor_user_ids
from coachprog.db import get_or_404
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.people.models import Person
from coachprog.practicum.capstone import domain as rules
from coachprog.practicum.capstone import files
from coachprog.practicum.capstone.models import CapstoneBrief
from coachprog.practicum.ledger.services import get_enrolment
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.runtime.lazy import lazy_module
from coachprog.storage import Storage

if TYPE_CHECKING:
    import markdown_it
else:
    markdown_it = lazy_module("markdown_it")  # only Markdown briefs need it, not app start

CAPSTONE_PURPOSE = "capstone"


@functools.cache
def _markdown() -> markdown_it.MarkdownIt:
    return markdown_it.MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown to HTML, sanitised with nh3 (raw HTML is off in the parser as well)."""
    html = _markdown().render(text or "")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer nofollow"))  # noqa: S704


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class BriefDraft:
    """What the trainee typed or uploaded. `mode`: "markdown" or "upload"."""

    mode: str
    engagement_id: int | None
    kpi_name: str = ""
    kpi_baseline: str = ""
    kpi_target: str = ""
    kpi_source: str = ""
    objectives: str = ""
    body_markdown: str = ""
    upload: Upload | None = None

    @property
    def kpi(self) -> rules.Kpi:
        return rules.Kpi(self.kpi_name, self.kpi_baseline, self.kpi_target, self.kpi_source)


def capstone_rubric() -> RubricVersion | None:
    """The latest loaded version of the capstone rubric."""
    return db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.purpose == CAPSTONE_PURPOSE)
        .order_by(RubricVersion.loaded_at.desc(), RubricVersion.version.desc(),
                  RubricVersion.id.desc()).limit(1))


def coached_engagements(person_id: int) -> list[Engagement]:
    """The leader engagements this trainee coaches (active and ended), newest first."""
    return list(db.session.scalars(sa.select(Engagement).where(
        Engagement.coach_person_id == person_id)
        .order_by(Engagement.start_date.desc(), Engagement.id.desc())))


def briefs_of(person_id: int) -> list[CapstoneBrief]:
    """Every version, oldest first."""
    return list(db.session.scalars(sa.select(CapstoneBrief).where(
        CapstoneBrief.person_id == person_id).order_by(CapstoneBrief.version)))


def _states(person_id: int) -> list[rules.BriefState]:
    return [b.state for b in briefs_of(person_id)]


@dataclass(frozen=True)
class CapstoneOverview:
    person: Person
    briefs: list[CapstoneBrief]  # newest first
    blocked: str | None  # why no new version is taken now; None: one may be submitted
    enrolled: bool

    @property
    def latest(self) -> CapstoneBrief | None:
        return self.briefs[0] if self.briefs else None


def _person(person_id: int) -> Person:
    return get_or_404(Person, person_id, what="coach")


def overview(actor: Any, person_id: int) -> CapstoneOverview:
    person = _person(person_id)
    require(actor, "can_view_capstone", person_id)
    briefs = briefs_of(person_id)
    blocked = rules.submission_problem([b.state for b in briefs])
    return CapstoneOverview(person, list(reversed(briefs)), blocked,
                            get_enrolment(person_id) is not None)


def submission_block(actor: Any, person_id: int) -> str | None:
    """Why this trainee may not submit a version now, or None."""
    _person(person_id)
    require(actor, "can_submit_capstone_brief", person_id)
    if get_enrolment(person_id) is None:
        return "You are not enrolled in a practicum yet; L&D enrols appointed coaches."
    return rules.submission_problem(_states(person_id))


def _choose_rater(person_id: int, rubric: RubricVersion) -> tuple[User | None, list[str]]:
    """The first supervisor the assessment rules allow (lead coaches first); else the
    reasons each was passed over."""
    ids = supervisor_user_ids(person_id)
    users = sorted((u for u in (db.session.get(User, i) for i in ids) if u is not None),
                   key=lambda u: (not has_any_role(u, Role.LEAD_COACH), u.display_name, u.id))
    reasons: list[str] = []
    for user in users:
        if not user.is_active or not can(user, "can_be_assigned_assessments"):
            reasons.append(f"{user.display_name} cannot rate.")
            continue
        conflicts = assessment_rules.find_conflicts(relationship_facts(user, person_id))
        if conflicts:
            reasons.append(f"{user.display_name}: conflict of interest.")
            continue
        refusal = calibration_refusal(user, rubric.rubric_key, rubric_title=rubric.title)
        if refusal:
            reasons.append(refusal)
            continue
        return user, []
    if not users:
        reasons.append("No supervisor is assigned to this trainee.")
    return None, reasons


def _field_errors(draft: BriefDraft, person_id: int) -> tuple[dict[str, str], Any]:
    """Every problem with the draft, and the checked file (uploads) or None."""
    errors = dict(rules.kpi_problems(draft.kpi))
    problem = rules.objectives_problem(draft.objectives or "")
    if problem:
        errors["objectives"] = problem
    engagement = db.session.get(Engagement, draft.engagement_id) if draft.engagement_id \
        else None
    if engagement is None or engagement.coach_person_id != person_id:
        errors["engagement_id"] = "Choose one of the leader engagements you coach."
    checked = None
    if draft.mode == rules.MARKDOWN:
        body = draft.body_markdown or ""
        if len(body) > rules.MAX_MARKDOWN_CHARS:
            errors["body_markdown"] = (f"At most {rules.MAX_MARKDOWN_CHARS} characters; two "
                                       "pages hold far less.")
        elif problem := rules.length_problem(rules.word_count(body)):
            errors["body_markdown"] = problem
    elif draft.mode == "upload":
        if draft.upload is None or not draft.upload.filename:
            errors["upload"] = "Choose the PDF or DOCX file of your brief."
        else:
            try:
                checked = files.check_upload(draft.upload.filename, draft.upload.data,
                                             limit=files.max_bytes())
            except files.FileRefused as refused:
                errors["upload"] = refused.message
    else:
        errors["mode"] = "Write the brief in the editor or upload a file."
    return errors, checked


def submit_brief(actor: Any, person_id: int, draft: BriefDraft) -> CapstoneBrief:
    """A new version of the trainee's brief, opened for scoring."""
    person = _person(person_id)
    require(actor, "can_submit_capstone_brief", person_id)
    block = submission_block(actor, person_id)
    if block:
        raise DomainError(block)
    rubric = capstone_rubric()
    if rubric is None:
        raise DomainError("The capstone rubric is not loaded yet; ask an L&D admin to load "
                          "the rubrics.")
    errors, checked = _field_errors(draft, person_id)
    if errors:
        raise DomainError("The brief was not submitted: fix the fields marked below.",
                          field_errors={k: [v] for k, v in errors.items()})
    kpi = draft.kpi.cleaned()
    version = rules.next_version(_states(person_id))
    evidence = EvidenceItem(
        title=f"Capstone brief v{version}: {person.name}",
        description=f"Capstone coaching plan, version {version}. The brief, its KPI and "
                    "objectives open from the link for the trainee, their supervisors and "
                    "the brief's raters.",
        subject_person_id=person_id, created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    assessment = Assessment(
        evidence_item_id=evidence.id, rubric_version_id=rubric.id,
        title=f"Capstone brief v{version} of {person.name}", blind=False, kind="live",
        status="open", subject_pseudonym=assessment_rules.pseudonym_from(secrets.token_bytes(8)),
        created_by_id=getattr(actor, "id", None))
    db.session.add(assessment)
    db.session.flush()
    brief = CapstoneBrief(
        person_id=person_id, version=version, engagement_id=draft.engagement_id,
        format=checked.format if checked else rules.MARKDOWN,
        body_markdown=(draft.body_markdown or "").strip() if checked is None else "",
        word_count=checked.words if checked else rules.word_count(draft.body_markdown),
        page_count=checked.pages if checked else None,
        kpi_name=kpi.name, kpi_baseline=kpi.baseline, kpi_target=kpi.target,
        kpi_source=kpi.source, objectives="\n".join(rules.objectives_list(draft.objectives)),
        evidence_item_id=evidence.id, assessment_id=assessment.id,
        submitted_by_id=getattr(actor, "id", None))
    if checked is not None and draft.upload is not None:
        brief.file_name = Path(draft.upload.filename).name[-200:]
        brief.file_bytes = len(checked.data)
    rater, reasons = _choose_rater(person_id, rubric)
    brief.rater_note = " ".join(reasons)
    db.session.add(brief)
    db.session.flush()
    evidence.link = _brief_url(brief.id)
    if rater is not None:
        db.session.add(RaterAssignment(assessment_id=assessment.id, rater_id=rater.id,
                                       role="rater", status="assigned",
                                       assigned_by_id=getattr(actor, "id", None)))
    if checked is not None:
        # Written last: every check has passed; the view commits right after.
        brief.storage_name = files.store(checked.data)
    db.session.flush()
    audit.record("practicum.capstone_submitted", actor=actor, object_type="person",
                 object_id=person_id,
                 detail={"brief_id": brief.id, "version": version, "format": brief.format,
                         "assessment_id": assessment.id,
                         "rater_id": rater.id if rater else None})
    if rater is not None:
        audit.record("assessment.rater_assigned", actor=actor, object_type="assessment",
                     object_id=assessment.id, detail={"rater_id": rater.id, "role": "rater"})
    return brief


def _brief_url(brief_id: int) -> str | None:
    """The brief's page as the evidence link raters follow; None where no URL can be built
    (a shell without SERVER_NAME: the supervision queue still finds the brief)."""
    try:
        return url_for("practicum.view_capstone_brief", brief_id=brief_id, _external=True)
    except RuntimeError:
        return None


def get_brief(actor: Any, brief_id: int) -> CapstoneBrief:
    """One version with its content; reading someone else's brief is audited."""
    brief = get_or_404(CapstoneBrief, brief_id, what="brief", actor=actor,
                       rule="can_view_capstone_brief")
    if getattr(actor, "person_id", None) != brief.person_id:
        audit.record("practicum.capstone_read", actor=actor, object_type="capstone_brief",
                     object_id=brief.id, detail={"person_id": brief.person_id})
    return brief


@dataclass(frozen=True)
class BriefFile:
    store: Storage
    name: str
    download_name: str
    mimetype: str


def open_file(actor: Any, brief_id: int) -> BriefFile:
    brief = get_or_404(CapstoneBrief, brief_id, what="brief", actor=actor,
                       rule="can_view_capstone_brief")
    briefs = files.capstone_store()
    if not brief.storage_name or not briefs.exists(brief.storage_name):
        raise NotFound("file")
    audit.record("practicum.capstone_file_read", actor=actor, object_type="capstone_brief",
                 object_id=brief.id, detail={"person_id": brief.person_id})
    return BriefFile(briefs, brief.storage_name,
                     f"capstone-brief-v{brief.version}.{brief.format}",
                     files.MIMETYPES[brief.format])


def preview(actor: Any, person_id: int, body: str) -> Markup:
    """The editor's preview: the same rendering a submitted brief gets."""
    require(actor, "can_submit_capstone_brief", person_id)
    return render_markdown(body[: rules.MAX_MARKDOWN_CHARS])


def result_of(brief: CapstoneBrief) -> dict[str, Any] | None:
    """The closed assessment's result, for those who may read the brief."""
    assessment = brief.assessment
    return assessment.result if assessment.status == "closed" else None


def assessment_link(actor: Any, brief: CapstoneBrief) -> str | None:
    if can(actor, "can_view_assessment", brief.assessment):
        return url_for("assessments.view_assessment", assessment_id=brief.assessment_id)
    return None

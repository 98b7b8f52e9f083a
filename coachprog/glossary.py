"""Words instead of codes: the one place that turns stored codes (roles, statuses, audit
actions, object types) into the plain language pages show, and counts into correct plurals.

Policy ("words everywhere", issue 21): a page never shows `master_coach`, `supervisor_review`
or `auth.login user #1`; it says "Master coach", "Supervisor review", "Signed in". Codes this
glossary does not know yet are still shown as words (underscores and dots become spaces), so a
new status is readable on the day it ships; the table below is where it gets its proper words.
A domain's own enumeration says its words where it declares its codes (`LabelledEnum`).
Pure Python: no Flask, no database (domain modules import it)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self, TypeVar

from coachprog.roles import ROLE_LABELS, Role

# --- codes declared with their words ---------------------------------------------------------


class LabelledEnum(StrEnum):
    """`MEMBER = "code", "Label"`: the member is its code (a str, stored and posted as it is)
    and `.label` the words it is shown in, so a code and its words are written once, together,
    and no code can be left without words."""

    _value_: str
    label: str

    # Only the members are made here: once the class exists, `Category("code")` looks a member
    # up (Enum replaces this `__new__`), which is why `label` may be left out of the signature.
    def __new__(cls, value: str, label: str | None = None) -> Self:
        if label is None:
            raise TypeError(f"{cls.__name__} member {value!r} has no label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


E = TypeVar("E", bound=LabelledEnum)


def labels(enum: type[E]) -> dict[E, str]:
    """{member: label}, in the enumeration's order: the table templates and forms read."""
    return {member: member.label for member in enum}


# --- words for codes stored elsewhere ----------------------------------------------------------

# Audit actions: what happened, as a sentence fragment ("Signed in", "Opened the audio").
ACTIONS: dict[str, str] = {
    "adverse_impact.viewed": "Viewed the adverse-impact report",
    "api_token.created": "Created an API token",
    "api_token.revoked": "Revoked an API token",
    "assessment.closed": "Closed an assessment",
    "assessment.created": "Created an assessment",
    "assessment.marks_saved": "Saved draft marks",
    "assessment.marks_submitted": "Submitted marks",
    "assessment.marks_viewed": "Viewed marks",
    "assessment.moderated": "Moderated an assessment",
    "assessment.moments_cited": "Cited transcript moments",
    "assessment.rater_assigned": "Assigned a rater",
    "assessment.sent_to_moderation": "Sent an assessment to moderation",
    "assessments.exported": "Exported assessment results",
    "audits.auditor_assigned": "Assigned an auditor",
    "audits.session_chosen": "Chose the session to audit",
    "auth.login": "Signed in",
    "auth.login_failed": "Failed to sign in",
    "auth.logout": "Signed out",
    "auth.password_changed": "Changed their password",
    "auth.password_reset": "Reset a password",
    "backup.created": "Made a backup",
    "backup.restored": "Restored a backup",
    "calibration.exercise_closed": "Closed a calibration exercise",
    "calibration.exercise_created": "Created a calibration exercise",
    "calibration.rater_decided": "Recorded a rater's calibration",
    "candidate.applied": "Applied to a sprint",
    "candidate.assessment_linked": "Linked an assessment to a candidate",
    "candidate.evidence_viewed": "Opened a candidate's evidence pack",
    "candidate.hours_logged": "Logged supervised practice hours",
    "candidate.hours_verified": "Verified supervised practice hours",
    "candidate.invitation_accepted": "Accepted a nomination",
    "candidate.nominated": "Nominated a candidate",
    "candidate.panel_decision": "Recorded a panel decision",
    "candidate.practice_reviewed": "Reviewed a practice session",
    "certification.approved": "Approved a certification decision",
    "certification.certificate_batch_started": "Started a certificate batch",
    "certification.decision_opened": "Opened a certification decision",
    "certification.issued": "Issued a certification",
    "certification.lapsed": "Certification lapsed",
    "certification.outcomes_brief_recorded": "Recorded a recertification outcomes brief",
    "certification.override": "Overrode unmet criteria",
    "certification.peer_review_recorded": "Recorded a peer review",
    "certification.peer_review_requested": "Requested a peer review",
    "certification.recertification_started": "Started a recertification review",
    "certification.recertification_withdrawn": "Withdrew a recertification",
    "certification.register_exported": "Exported the certification register",
    "certification.renewed": "Renewed a certification",
    "certification.revoked": "Revoked a certification",
    "coaching.agreement_signed": "Signed a time-allocation agreement",
    "coaching.engagement_created": "Matched a coach and a coachee",
    "coaching.engagement_ended": "Ended an engagement",
    "coaching.engagement_viewed": "Viewed an engagement",
    "coaching.evaluation_recorded": "Recorded a performance-review relationship",
    "coaching.evaluation_removed": "Removed a performance-review relationship",
    "coaching.paperwork_saved": "Saved a coach's paperwork",
    "consent.form_read": "Opened a signed consent form",
    "consent.recorded": "Recorded a coachee's consent",
    "consent.withdrawn": "Withdrew consent (content purged)",
    "consent_text.created": "Published a consent text",
    "consent_text.retired": "Retired a consent text",
    "demographics.saved": "Saved a demographic self-report",
    "demographics.withdrawn": "Withdrew a demographic self-report",
    "evidence.attachment_read": "Opened an evidence attachment",
    "erasure.cancelled": "Cancelled an erasure request",
    "erasure.requested": "Asked for a person's erasure",
    "evidence.created": "Added evidence",
    "fidelity.flag_resolved": "Resolved a fidelity drift flag",
    "fidelity.signals_viewed": "Viewed fidelity signals",
    "outbox.delivery_failed": "An e-mail could not be delivered",
    "outbox.resend_requested": "Asked to resend an e-mail",
    "people.imported": "Imported people",
    "person.erased": "Erased a person (identifiers replaced by a pseudonym)",
    "personal_data.exported": "Exported a person's data",
    "policy.acknowledged": "Acknowledged the data policy",
    "policy.opted_in": "Opted back in",
    "policy.opted_out": "Opted out",
    "practicum.capstone_file_read": "Opened a capstone file",
    "practicum.capstone_read": "Read a capstone brief",
    "practicum.capstone_submitted": "Submitted a capstone brief",
    "practicum.enrolled": "Enrolled a trainee in a practicum",
    "practicum.entries_logged": "Logged practicum hours",
    "practicum.entry_corrected": "Corrected a practicum entry",
    "practicum.gate_decided": "Decided a practicum gate",
    "practicum.ledger_exported": "Exported a practicum ledger",
    "practicum.triad_formed": "Formed a peer triad",
    "practicum.triad_round_logged": "Logged a triad round",
    "recording.audio_opened": "Opened session audio",
    "recording.citations_viewed": "Viewed cited transcript moments",
    "recording.sensitive_flag_reviewed": "Reviewed a sensitive-topic flag",
    "recording.sensitive_flags_raised": "Sensitive-topic flags raised",
    "recording.sensitive_flags_viewed": "Viewed sensitive-topic flags",
    "recording.session_created": "Created a coaching session",
    "recording.supervisor_assigned": "Assigned a supervisor",
    "recording.supervisor_unassigned": "Removed a supervisor",
    "recording.transcribed": "Transcribed a recording",
    "recording.transcript_edited": "Corrected a transcript",
    "recording.transcript_exported": "Exported a transcript",
    "recording.transcript_opened": "Opened a transcript",
    "recording.transcription_retried": "Retried a transcription",
    "recording.uploaded": "Uploaded a recording",
    "retention.purged": "Retention purge deleted content",
    "role.granted": "Granted a role",
    "role.revoked": "Revoked a role",
    "sprint.board_exported": "Exported a sprint board",
    "sprint.closed": "Closed a sprint",
    "sprint.created": "Created a sprint",
    "sprint.panel_replaced": "Replaced a calibration panel member",
    "sprint.panel_seated": "Seated a calibration panel",
    "sprint.updated": "Changed a sprint",
    "supervision.feedback_written": "Wrote session feedback",
    "supervision.one_on_one_recorded": "Recorded a supervision 1:1",
    "user.created": "Created an account",
    "escalation.raised": "Raised a safeguarding case",
    "escalation.viewed": "Opened a safeguarding case",
    "escalation.taken": "Took on a safeguarding case",
    "escalation.step_recorded": "Recorded a step of a safeguarding case",
    "escalation.closed": "Closed a safeguarding case",
    "escalation.reopened": "Reopened a safeguarding case",
    "incident.recorded": "Recorded a privacy incident or adverse effect",
    "incident.closed": "Closed a privacy incident or adverse effect",
    "bias_audit.viewed": "Viewed the quarterly bias audit",
    "bias_review.closed": "Closed a bias-audit review item",
    "bias_review.assigned": "Assigned a bias-audit review item",
    "program.charter_created": "Wrote the program charter",
    "program.charter_changed": "Changed the program charter",
    "program.gate_created": "Added a program decision gate",
    "program.gate_changed": "Changed a program decision gate",
    "program.gate_decided": "Decided a program decision gate",
    "program.metrics_imported": "Imported program outcome data",
    "program.report_downloaded": "Downloaded the program report (PDF)",
    "program.table_exported": "Exported a program table (CSV)",
}

# Object types of audit entries and jobs, as nouns.
OBJECTS: dict[str, str] = {
    "api_token": "API token", "assessment": "Assessment", "audit": "Audit",
    "backup": "Backup", "calibration_exercise": "Calibration exercise",
    "candidate": "Candidate", "capstone_brief": "Capstone brief",
    "certification": "Certification", "certification_decision": "Certification decision",
    "coach_paperwork": "Coach paperwork", "coachee_consent": "Coachee consent",
    "coaching_session": "Coaching session", "consent_text": "Consent text",
    "erasure_request": "Erasure request",
    "engagement": "Engagement", "evaluation_relationship": "Performance-review relationship",
    "evidence_item": "Evidence", "fidelity_drift_flag": "Fidelity drift flag", "job": "Job",
    "outbox_message": "E-mail", "peer_triad": "Peer triad", "person": "Person",
    "practicum_entry": "Practicum entry", "rater_calibration": "Rater calibration",
    "recording": "Recording", "rubric_version": "Rubric version", "sprint": "Sprint",
    "supervisor_assignment": "Supervisor assignment", "user": "Account",
    "escalation_case": "Safeguarding case", "incident": "Privacy incident or adverse effect",
    "bias_audit": "Bias audit", "bias_review_item": "Bias-audit review item",
    "program_charter": "Program charter", "program_gate": "Program decision gate",
    "program_metrics": "Program outcome data", "program_report": "Program report",
}

# Statuses, stages, scopes and methods that appear in more than one domain.
TERMS: dict[str, str] = {
    "supervisor_review": "Supervisor review",
    "stratified-es-1": "Stratified random sample (version 1)",
    "supervised_practice": "Supervised practice",
    "in_progress": "In progress",
    "moderation": "In moderation",
    "not_started": "Not started",
    "due": "Due soon",
    "audit": "Audit",
    "analytics": "Analytics",
    "record": "Recording",
    "transcribe": "Transcription",
}


def humanise(code: str | None) -> str:
    """A code shown as words when nothing better is known: `lead_coach` → "Lead coach"."""
    if not code:
        return ""
    words = code.replace("_", " ").replace(".", ": ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def role_name(code: str) -> str:
    try:
        return ROLE_LABELS[Role(code)]
    except ValueError:
        return humanise(code)


def role_names(codes: list[str] | tuple[str, ...] | set[str]) -> str:
    """"L&D admin, Master coach" in the order the roles are defined."""
    order = {role.value: i for i, role in enumerate(Role)}
    return ", ".join(role_name(c) for c in sorted(codes, key=lambda c: order.get(c, 99)))


def action_words(action: str) -> str:
    return ACTIONS.get(action) or humanise(action)


def object_words(object_type: str | None, object_id: int | str | None = None) -> str:
    noun = OBJECTS.get(object_type or "") or humanise(object_type)
    return f"{noun} {object_id}" if object_id not in (None, "") else noun


def term(code: str | None) -> str:
    return TERMS.get(code or "") or humanise(code)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """"1 assessment", "2 assessments", "0 assessments"; irregular plurals given by the caller
    ("1 person", "3 people")."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}".replace(",", "\u2009")

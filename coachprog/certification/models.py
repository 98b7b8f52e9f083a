"""Certification records: a coach's certifications, the two-person decisions behind them, the
evidence recorded for a level or a recertification cycle, and the reminder log.

Policy (issue 8): a certification is a decision people make on evidence the system assembles.
Every certification points at the decision that granted it; the decision keeps the criteria
snapshot taken when it was opened and refreshed when each approver approved, who approved (a
master coach and an admin, two different people) and any admin override with its reason."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.people.models import Person


def new_verification_code() -> str:
    """A random, URL-safe code of 22 characters (128 bits): unguessable, so the public verify
    page cannot be walked."""
    return secrets.token_urlsafe(16)


class CertificationDecision(db.Model):  # type: ignore[name-defined]
    """A (re)certification decision in progress or made. It is `pending` until both a master
    coach and an admin — two different people — have approved; then `approved`, and the
    certification is issued (or renewed) in the same transaction. `withdrawn` when dropped.

    `criteria_snapshot` is the evaluation the approvers saw: a list of
    {key, label, met, detail, evidence_url}. `criteria_met` is whether every criterion was met;
    when not, only an admin override with a recorded reason lets the decision through
    (`override`, flagged in reports and in the audit log)."""

    __tablename__ = "certification_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(16))  # certification | recertification
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    levels_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    criteria_snapshot: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    criteria_met: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                               server_default=sa.false())
    # For a recertification: the certification it renews (no foreign key: the two tables
    # point at each other, and the certification already names its decision).
    renews_certification_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    # Recertification evidence review scored with the recertification rubric.
    review_rubric_id: Mapped[str | None] = mapped_column(sa.String(64))
    review_rubric_version: Mapped[int | None] = mapped_column(sa.Integer)
    review_marks: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    review_score: Mapped[float | None] = mapped_column(sa.Float)
    review_passed: Mapped[bool | None] = mapped_column(sa.Boolean)
    # The recertification rubric assessment scoring the evidence (its rater: a master coach).
    review_assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="SET NULL"), index=True)
    # The two approvals.
    master_approver_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    master_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admin_approver_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    admin_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Admin override of unmet criteria, with its reason.
    override: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(),
                                           index=True)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    override_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    master_approver: Mapped[User | None] = relationship(foreign_keys=[master_approver_id])
    admin_approver: Mapped[User | None] = relationship(foreign_keys=[admin_approver_id])
    override_by: Mapped[User | None] = relationship(foreign_keys=[override_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class Certification(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A level held by a coach. `valid_until` is the recertification due date; a renewal moves
    it (the verification code stays, so a printed certificate keeps verifying). Statuses:
    `active`, `lapsed` (past due without recertification), `revoked` (with reason, immediate),
    `superseded` (replaced by a higher level)."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date, index=True)
    last_recertified_on: Mapped[date | None] = mapped_column(sa.Date)
    verification_code: Mapped[str] = mapped_column(
        sa.String(64), unique=True, index=True, default=new_verification_code)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certification_decisions.id", ondelete="SET NULL"), index=True)

    person: Mapped[Person] = relationship()
    decision: Mapped[CertificationDecision | None] = relationship()


class CertificationEvidence(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """Evidence recorded by people rather than derived from other domains: a client outcomes
    brief (Senior Coach; each recertification cycle) and a peer review (recertification).
    `reviewer_person_id` is the peer for a peer review."""

    __tablename__ = "certification_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))  # outcomes_brief | peer_review
    summary: Mapped[str] = mapped_column(sa.Text)
    reviewer_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"))
    # The certification whose recertification cycle this belongs to (None: level evidence).
    certification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    recorded_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    recorded_by: Mapped[User | None] = relationship()
    reviewer: Mapped[Person | None] = relationship(foreign_keys=[reviewer_person_id])


class CertificationReminder(db.Model):  # type: ignore[name-defined]
    """One row per reminder sent: certification × due date × threshold (60/30/7 days). The
    unique key is what makes the daily tick idempotent; the due date is part of it so a renewed
    certification gets its reminders again next cycle."""

    __tablename__ = "certification_reminders"
    __table_args__ = (sa.UniqueConstraint("certification_id", "due_on", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date)
    days_before: Mapped[int] = mapped_column(sa.Integer)
    recipients: Mapped[int] = mapped_column(sa.Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

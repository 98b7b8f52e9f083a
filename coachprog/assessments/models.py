"""Evidence, assessments, rater assignments and their marks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.people.models import Person
    from coachprog.rubrics.models import RubricVersion


class EvidenceItem(db.Model):  # type: ignore[name-defined]
    """What is assessed. Later issues attach recordings, simulations and briefs; for now a
    free-standing item with a title, an optional link and an optional attachment."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))
    attachment_path: Mapped[str | None] = mapped_column(sa.String(300))  # under instance/
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    subject_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    # A recorded session being assessed; purging the recording leaves the item (and scores).
    recording_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recordings.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Person | None] = relationship()


class Assessment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True
    )
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    # Blind: raters see a pseudonym, never the subject's identity.
    blind: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    subject_pseudonym: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="live", index=True)
    calibration_exercise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("calibration_exercises.id", ondelete="CASCADE"), index=True
    )
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    evidence: Mapped[EvidenceItem] = relationship()
    rubric_version: Mapped[RubricVersion] = relationship()
    assignments: Mapped[list[RaterAssignment]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="RaterAssignment.id"
    )


class RaterAssignment(db.Model):  # type: ignore[name-defined]
    """One person's marks on one assessment: a rater's, the moderator's agreed marks, or the
    gold marks of a calibration item."""

    __tablename__ = "rater_assignments"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "rater_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    rater_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"),
                                          index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="rater")  # rater|moderator|gold
    # assigned | draft | submitted
    status: Mapped[str] = mapped_column(sa.String(16), default="assigned")
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    assessment: Mapped[Assessment] = relationship(back_populates="assignments")
    rater: Mapped[User] = relationship(foreign_keys=[rater_id])
    marks: Mapped[list[Mark]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="Mark.id"
    )


class Mark(db.Model):  # type: ignore[name-defined]
    __tablename__ = "marks"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "behaviour_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rater_assignments.id", ondelete="CASCADE"), index=True
    )
    behaviour_id: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[int | None] = mapped_column(sa.Integer)  # None: not marked yet (draft)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    assignment: Mapped[RaterAssignment] = relationship(back_populates="marks")

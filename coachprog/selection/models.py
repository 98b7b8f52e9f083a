"""Selection sprints: the sprint, its panel, candidates and the evidence their stages rest on.

Demographic self-reports live in a table of their own (`candidate_demographics`) with no
relationship from `Candidate`, so no candidate query or page can pull them in by accident;
only the adverse-impact service reads them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import CreatedAtMixin, CreatedByMixin, TimestampsMixin, UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.assessments.models import Assessment, EvidenceItem
    from coachprog.auth.models import User
    from coachprog.people.models import Person


class Sprint(CreatedByMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "sprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column(sa.Integer)  # seats: coaches the sprint may appoint
    eligibility_notes: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[date] = mapped_column(sa.Date)
    # Stage-length overrides in days, keyed by SprintStage value; missing stages use defaults.
    stage_days: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open|closed

    panel: Mapped[list[SprintPanelMember]] = relationship(
        back_populates="sprint", cascade="all, delete-orphan", order_by="SprintPanelMember.id"
    )
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="sprint", order_by="Candidate.id"
    )


class SprintPanelMember(db.Model):  # type: ignore[name-defined]
    """One seat of the sprint's calibration panel (HR/L&D, external master coach, sponsor)."""

    __tablename__ = "sprint_panel_members"
    __table_args__ = (sa.UniqueConstraint("sprint_id", "panel_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sprint_id: Mapped[int] = mapped_column(sa.ForeignKey("sprints.id", ondelete="CASCADE"),
                                           index=True)
    panel_role: Mapped[str] = mapped_column(sa.String(32))  # domain.PanelRole
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"),
                                         index=True)

    sprint: Mapped[Sprint] = relationship(back_populates="panel")
    user: Mapped[User] = relationship()


class Candidate(TimestampsMixin, db.Model):  # type: ignore[name-defined]
    """One person's entry in one sprint (a nominee is listed before they accept)."""

    __tablename__ = "candidates"
    __table_args__ = (sa.UniqueConstraint("sprint_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sprint_id: Mapped[int] = mapped_column(sa.ForeignKey("sprints.id", ondelete="CASCADE"),
                                           index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="RESTRICT"),
                                           index=True)
    route: Mapped[str] = mapped_column(sa.String(16))  # nomination | application
    stage: Mapped[str] = mapped_column(sa.String(32), index=True)  # domain.CandidateStage
    # The furthest pipeline stage reached; for someone rejected or withdrawn, where they left.
    furthest_stage: Mapped[str] = mapped_column(sa.String(32))
    nominated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    nomination_reason: Mapped[str] = mapped_column(sa.Text, default="")
    application_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The invitation link carries a random token; only its SHA-256 is stored.
    invitation_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_reason: Mapped[str] = mapped_column(sa.Text, default="")  # rejection/withdrawal

    sprint: Mapped[Sprint] = relationship(back_populates="candidates")
    person: Mapped[Person] = relationship()
    nominated_by: Mapped[User | None] = relationship()
    events: Mapped[list[CandidateEvent]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="CandidateEvent.id"
    )
    assessments: Mapped[list[CandidateAssessment]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan",
        order_by="CandidateAssessment.id"
    )
    hours: Mapped[list[CoachedHoursEntry]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan",
        order_by="CoachedHoursEntry.session_date"
    )
    reviews: Mapped[list[PracticeReview]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="PracticeReview.id"
    )
    panel_decisions: Mapped[list[PanelDecisionRecord]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan",
        order_by="PanelDecisionRecord.id"
    )


class CandidateEvent(db.Model):  # type: ignore[name-defined]
    """One move on the board: the candidate's history as the candidate page shows it."""

    __tablename__ = "candidate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(sa.String(32))  # None: the entry itself
    to_stage: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="events")


class CandidateAssessment(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """An assessment that counts for a stage; `purpose` is the rubric id it must use
    (interview, simulation-performance, simulation-transition)."""

    __tablename__ = "candidate_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="RESTRICT"), unique=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(64))

    candidate: Mapped[Candidate] = relationship(back_populates="assessments")
    assessment: Mapped[Assessment] = relationship()


class CoachedHoursEntry(db.Model):  # type: ignore[name-defined]
    """Coached hours in supervised practice; only a supervisor's verification makes them count."""

    __tablename__ = "coached_hours_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    session_date: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column(sa.Integer)  # whole minutes: no float drift in sums
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    logged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    candidate: Mapped[Candidate] = relationship(back_populates="hours")
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def hours(self) -> float:
        return self.minutes / 60


class PracticeReview(db.Model):  # type: ignore[name-defined]
    """A supervisor's review of a practice session's evidence (until recordings exist, an
    evidence item)."""

    __tablename__ = "practice_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    evidence_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="reviews")
    evidence: Mapped[EvidenceItem] = relationship()
    reviewer: Mapped[User | None] = relationship()


class PanelDecisionRecord(db.Model):  # type: ignore[name-defined]
    """One panel member's decision on one candidate; a reconvened panel replaces it (the audit
    log keeps every earlier decision)."""

    __tablename__ = "panel_decisions"
    __table_args__ = (sa.UniqueConstraint("candidate_id", "panel_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    panel_role: Mapped[str] = mapped_column(sa.String(32))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    verdict: Mapped[str] = mapped_column(sa.String(16))  # domain.PanelVerdict
    reasons: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="panel_decisions")
    member: Mapped[User] = relationship()


class CandidateDemographics(db.Model):  # type: ignore[name-defined]
    """A candidate's optional self-report for adverse-impact monitoring, with its consent.

    Each attribute is a reported value, "prefer_not_to_say", or empty (not answered)."""

    __tablename__ = "candidate_demographics"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), unique=True
    )
    consent_text_version: Mapped[str] = mapped_column(sa.String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gender: Mapped[str] = mapped_column(sa.String(64), default="")
    ethnicity: Mapped[str] = mapped_column(sa.String(64), default="")
    age_band: Mapped[str] = mapped_column(sa.String(64), default="")
    disability: Mapped[str] = mapped_column(sa.String(64), default="")

"""Recorded coaching sessions: consent texts and coachees' consents, coaching sessions, the
recordings themselves, their transcripts, reviewers' corrections, the transcript moments that
rubric marks cite, and sensitive-topic flags.

The most sensitive data in the system. Files live under instance/recordings/ (random names);
rows here never hold audio. Withdrawal of consent and retention purges delete files and rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db

if TYPE_CHECKING:
    from coachprog.auth.models import User
    from coachprog.coaching.models import Engagement
    from coachprog.people.models import Person


class ConsentText(db.Model):  # type: ignore[name-defined]
    """One version of the coachee confidentiality and data-use consent text. Versions are never
    edited once a consent refers to them; a change is a new version."""

    __tablename__ = "consent_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no longer offered


class CoacheeConsent(db.Model):  # type: ignore[name-defined]
    """A coachee's consent, with its scope. Current while not withdrawn; withdrawal purges the
    recordings and transcripts it covered."""

    __tablename__ = "coachee_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    coachee_person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    consent_text_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consent_texts.id", ondelete="RESTRICT")
    )
    method: Mapped[str] = mapped_column(sa.String(16))  # in_app | signed_form
    signed_form_path: Mapped[str | None] = mapped_column(sa.String(300))  # under instance/
    signed_form_name: Mapped[str | None] = mapped_column(sa.String(200))
    scope_record: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                               server_default=sa.false())
    scope_transcribe: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                   server_default=sa.false())
    scope_supervisor_review: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                          server_default=sa.false())
    scope_audit: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                              server_default=sa.false())
    scope_analytics: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                  server_default=sa.false())
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The coachee's withdrawal link carries a random token; only its SHA-256 is stored.
    withdrawal_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    withdrawal_via: Mapped[str | None] = mapped_column(sa.String(16))  # link | admin

    coachee: Mapped[Person] = relationship()
    engagement: Mapped[Engagement] = relationship()
    consent_text: Mapped[ConsentText] = relationship()


class CoachingSession(db.Model):  # type: ignore[name-defined]
    """One coaching session of an engagement (the practicum's hours ledger reuses it)."""

    __tablename__ = "coaching_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    session_date: Mapped[date] = mapped_column(sa.Date)
    duration_minutes: Mapped[int] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship()
    recordings: Mapped[list[Recording]] = relationship(back_populates="session",
                                                       order_by="Recording.id")


class Recording(db.Model):  # type: ignore[name-defined]
    """An uploaded audio file of a session, validated by decoding it. `status`: stored (no
    transcription asked), queued, transcribing, done, failed."""

    __tablename__ = "recordings"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused (architecture.md)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coaching_sessions.id", ondelete="RESTRICT"), index=True
    )
    consent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coachee_consents.id", ondelete="RESTRICT"), index=True
    )
    storage_name: Mapped[str | None] = mapped_column(sa.String(100), unique=True)  # None: purged
    original_name: Mapped[str] = mapped_column(sa.String(200))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    duration_seconds: Mapped[float] = mapped_column(sa.Float)
    container: Mapped[str] = mapped_column(sa.String(64))
    codec: Mapped[str] = mapped_column(sa.String(64))
    channels: Mapped[int] = mapped_column(sa.Integer)
    sample_rate: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default="stored", index=True)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)  # percent of audio processed
    error: Mapped[str] = mapped_column(sa.Text, default="")
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    audio_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # retention

    session: Mapped[CoachingSession] = relationship(back_populates="recordings")
    consent: Mapped[CoacheeConsent] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    transcript: Mapped[Transcript | None] = relationship(
        back_populates="recording", cascade="all, delete-orphan", uselist=False
    )


class Transcript(db.Model):  # type: ignore[name-defined]
    """The speech-to-text result of one recording, with what produced it (auditability)."""

    __tablename__ = "transcripts"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused (architecture.md)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recordings.id", ondelete="CASCADE"), unique=True
    )
    model_name: Mapped[str] = mapped_column(sa.String(200))
    model_version: Mapped[str] = mapped_column(sa.String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    language: Mapped[str] = mapped_column(sa.String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recording: Mapped[Recording] = relationship(back_populates="transcript")
    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan",
        order_by="TranscriptSegment.position"
    )


class TranscriptSegment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "transcript_segments"
    # Ids never reused (docs/architecture.md).
    __table_args__ = (sa.UniqueConstraint("transcript_id", "position"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    start_seconds: Mapped[float] = mapped_column(sa.Float)
    end_seconds: Mapped[float] = mapped_column(sa.Float)
    text: Mapped[str] = mapped_column(sa.Text)
    speaker: Mapped[str] = mapped_column(sa.String(32), default="unknown")  # coach|coachee|…
    confidence: Mapped[float | None] = mapped_column(sa.Float)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")
    edits: Mapped[list[SegmentEdit]] = relationship(
        back_populates="segment", cascade="all, delete-orphan", order_by="SegmentEdit.id"
    )


class SegmentEdit(db.Model):  # type: ignore[name-defined]
    """A reviewer's correction of a segment's text or speaker (the edit history)."""

    __tablename__ = "segment_edits"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused (architecture.md)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transcript_segments.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    old_text: Mapped[str] = mapped_column(sa.Text)
    new_text: Mapped[str] = mapped_column(sa.Text)
    old_speaker: Mapped[str] = mapped_column(sa.String(32))
    new_speaker: Mapped[str] = mapped_column(sa.String(32))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    segment: Mapped[TranscriptSegment] = relationship(back_populates="edits")
    editor: Mapped[User | None] = relationship()


class MarkCitation(db.Model):  # type: ignore[name-defined]
    """A transcript moment a rubric mark cites as its evidence."""

    __tablename__ = "mark_citations"
    # Ids never reused (docs/architecture.md).
    __table_args__ = (sa.UniqueConstraint("mark_id", "segment_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("marks.id", ondelete="CASCADE"),
                                         index=True)
    segment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transcript_segments.id", ondelete="CASCADE"), index=True
    )

    segment: Mapped[TranscriptSegment] = relationship()


class SensitiveFlag(db.Model):  # type: ignore[name-defined]
    """Language in a transcript that a human should look at (crisis, harassment,
    discrimination, legal risk). Raised to the coach's master coach; never an automatic action."""

    __tablename__ = "sensitive_flags"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused (architecture.md)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(sa.String(32))
    terms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    segment_positions: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open | reviewed
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")

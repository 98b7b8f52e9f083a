"""Capstone brief versions: one row per submitted version of a trainee's coaching plan.

The row keeps the KPI block, the objectives and either the markdown text or the stored file
(a random name under instance/capstone/, never static/); its evidence item and assessment
carry the scoring (the capstone rubric). Versions are never changed or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachprog.db import UTCDateTime, utcnow
from coachprog.extensions import db
from coachprog.practicum.capstone import domain as capstone_domain

if TYPE_CHECKING:
    from coachprog.assessments.models import Assessment, EvidenceItem
    from coachprog.coaching.models import Engagement
    from coachprog.people.models import Person


class CapstoneBrief(db.Model):  # type: ignore[name-defined]
    __tablename__ = "practicum_capstone_briefs"
    __table_args__ = (sa.UniqueConstraint("person_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    engagement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="SET NULL"), index=True)
    format: Mapped[str] = mapped_column(sa.String(16))  # markdown | pdf | docx
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    storage_name: Mapped[str | None] = mapped_column(sa.String(64))  # under instance/capstone
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_bytes: Mapped[int | None] = mapped_column(sa.Integer)
    page_count: Mapped[int | None] = mapped_column(sa.Integer)
    word_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    kpi_name: Mapped[str] = mapped_column(sa.String(200))
    kpi_baseline: Mapped[str] = mapped_column(sa.String(100))
    kpi_target: Mapped[str] = mapped_column(sa.String(100))
    kpi_source: Mapped[str] = mapped_column(sa.String(200))
    objectives: Mapped[str] = mapped_column(sa.Text)
    evidence_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="RESTRICT"), unique=True)
    # Why no supervisor could be assigned as rater (program staff assign one), or "".
    rater_note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    evidence: Mapped[EvidenceItem] = relationship()
    assessment: Mapped[Assessment] = relationship()

    @property
    def format_label(self) -> str:
        return capstone_domain.FORMAT_LABELS.get(self.format, self.format)

    @property
    def objective_items(self) -> list[str]:
        return capstone_domain.objectives_list(self.objectives)

    @property
    def state(self) -> capstone_domain.BriefState:
        a = self.assessment
        raters = sum(1 for x in a.assignments if x.role == "rater")
        return capstone_domain.brief_state(a.status, passed=bool((a.result or {}).get("passed")),
                                           raters=raters)

    @property
    def state_label(self) -> str:
        return capstone_domain.STATE_LABELS[self.state]

"""Adverse-impact monitoring use cases: the candidate's demographic self-report, and the L&D
report of selection rates per group at each stage of a sprint or across all sprints.

Policy (see `demographics.py` for the counting rules and `impact.py` for the statistics):
- Only the candidate gives, changes or withdraws their answers (`can_self_report_demographics`);
  nothing is stored without consent to the current consent text, and withdrawing deletes the
  row. Audit entries say that answers were saved or withdrawn, never what they were.
- Only L&D admins see the report (`can_view_adverse_impact`), and only as counts per group
  with groups under 5 suppressed: no function here returns one person's answers to anyone but
  that person. Each viewing of a report is audited, as demographic data is special-category
  personal data.
- The all-sprints report counts every candidacy of every sprint directly. Tallies are sums over
  candidacies, so this equals `impact.pool` over the per-sprint tallies (a test holds the two
  equal), while the group order follows the options rather than whichever sprint came first.
  Someone who entered two sprints counts in both: each candidacy is a separate decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coachprog.authority import require
from coachprog.db import get_or_404, utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.policy.domain import OptOutKind
from coachprog.policy.services import opted_out_ids
from coachprog.selection.domain import CandidateStage
from coachprog.selection.impact import demographics
from coachprog.selection.impact.demographics import (
    ATTRIBUTES,
    DEMOGRAPHICS_CONSENT_VERSION,
    Entry,
    StageCounts,
)
from coachprog.selection.impact.domain import ImpactReport, build_impact_report
from coachprog.selection.models import Candidate, CandidateDemographics, Sprint

# --- the candidate's self-report -----------------------------------------------------------------


@dataclass(frozen=True)
class SelfReport:
    """What the candidate's own page shows: their candidacy and their current answers (None
    when they have given none). Only ever built for the candidate themselves."""

    candidate: Candidate
    sprint: Sprint
    answers: CandidateDemographics | None


def _own_candidate(actor: Any, sprint_id: int, candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.sprint_id != sprint_id:
        raise NotFound("candidate")
    require(actor, "can_self_report_demographics", candidate)
    return candidate


def _answers_of(candidate: Candidate) -> CandidateDemographics | None:
    return db.session.scalar(sa.select(CandidateDemographics).where(
        CandidateDemographics.candidate_id == candidate.id))


def get_self_report(actor: Any, sprint_id: int, candidate_id: int) -> SelfReport:
    candidate = _own_candidate(actor, sprint_id, candidate_id)
    return SelfReport(candidate, candidate.sprint, _answers_of(candidate))


def save_self_report(actor: Any, sprint_id: int, candidate_id: int, *, consent: bool,
                     answers: Mapping[str, str | None]) -> CandidateDemographics:
    """Store the candidate's answers with their consent (a new consent time on every save)."""
    candidate = _own_candidate(actor, sprint_id, candidate_id)
    problems = demographics.answer_problems(answers)
    if not consent:
        problems["consent"] = ["Tick the box to agree before your answers can be saved. If you "
                               "do not agree, nothing is stored."]
    if problems:
        raise DomainError("Your answers were not saved: see the notes next to the questions.",
                          field_errors=problems)
    row = _answers_of(candidate)
    if row is None:
        row = CandidateDemographics(candidate_id=candidate.id)
        db.session.add(row)
    for key, value in demographics.clean_answers(answers).items():
        setattr(row, key, value)
    row.consent_text_version = DEMOGRAPHICS_CONSENT_VERSION
    row.consented_at = utcnow()
    db.session.flush()
    # Never the answers themselves: the audit log is read by people who must not see them.
    audit.record("demographics.saved", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": candidate.sprint_id,
                                                 "consent_text_version":
                                                     DEMOGRAPHICS_CONSENT_VERSION})
    return row


def withdraw_self_report(actor: Any, sprint_id: int, candidate_id: int) -> bool:
    """Delete the candidate's answers and consent; False when there was nothing to delete."""
    candidate = _own_candidate(actor, sprint_id, candidate_id)
    row = _answers_of(candidate)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record("demographics.withdrawn", actor=actor, object_type="candidate",
                 object_id=candidate.id, detail={"sprint_id": candidate.sprint_id})
    return True


# --- the L&D report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SprintLink:
    id: int
    name: str
    status: str
    candidates: int


@dataclass(frozen=True)
class ImpactOverview:
    """The report and what the page needs to explain it. `stages` are sprint-level totals per
    transition (entered, passed, pending) without groups, like the sprint funnel."""

    report: ImpactReport
    stages: tuple[StageCounts, ...]
    candidates: int  # candidacies counted (nominees who never accepted are not candidates)
    nominees: int  # nominees left out because they never accepted
    sprint: Sprint | None  # None: all sprints
    sprints: tuple[SprintLink, ...] = ()  # all-sprints report only

    @property
    def decided(self) -> int:
        """Candidates decided at their first stage (everyone decided anywhere is among them)."""
        return self.stages[0].entered if self.stages else 0

    @property
    def pending(self) -> tuple[StageCounts, ...]:
        return tuple(stage for stage in self.stages if stage.pending)


def _entries(sprint_id: int | None) -> tuple[list[Entry], int]:
    """The entries of the sprint (or of all sprints), counted in SQL by stage and answers, so
    the rows read and the time taken do not grow with the number of candidacies; and how many
    were nominees who never became candidates. Answers are read only here, and only to count."""
    columns = [getattr(CandidateDemographics, attribute.key) for attribute in ATTRIBUTES]
    answered = CandidateDemographics.id.is_not(None)
    keys = [Candidate.stage, Candidate.furthest_stage, answered, *columns]
    query = (sa.select(*keys, sa.func.count().label("n"))
             # Someone who opted out of analytics counts as not having answered (issue 24):
             # their self-report is not used, their candidacy still counts.
             .outerjoin(CandidateDemographics, sa.and_(
                 CandidateDemographics.candidate_id == Candidate.id,
                 Candidate.person_id.not_in(opted_out_ids(OptOutKind.ANALYTICS))))
             .group_by(*keys))
    if sprint_id is not None:
        query = query.where(Candidate.sprint_id == sprint_id)
    entries: list[Entry] = []
    nominees = 0
    for stage, furthest, has_answers, *values, count in db.session.execute(query):
        if not demographics.is_candidate(stage, furthest):
            nominees += count
            continue
        answers = ({attribute.key: value or "" for attribute, value in zip(ATTRIBUTES, values,
                                                                           strict=True)}
                   if has_answers else {})
        entries.append(Entry(stage, furthest, answers, count))
    return entries, nominees


def _overview(actor: Any, entries: Sequence[Entry], nominees: int, sprint: Sprint | None,
              sprints: tuple[SprintLink, ...] = ()) -> ImpactOverview:
    audit.record("adverse_impact.viewed", actor=actor, object_type="sprint",
                 object_id=None if sprint is None else sprint.id,
                 detail={"scope": "sprint" if sprint is not None else "all"})
    return ImpactOverview(report=build_impact_report(demographics.tally(entries)),
                          stages=demographics.stage_counts(entries),
                          candidates=sum(entry.count for entry in entries),
                          nominees=nominees, sprint=sprint, sprints=sprints)


def impact_report_for_sprint(actor: Any, sprint_id: int) -> ImpactOverview:
    """The report of one sprint (L&D only); audited."""
    require(actor, "can_view_adverse_impact")
    sprint = get_or_404(Sprint, sprint_id, what="sprint")
    entries, nominees = _entries(sprint.id)
    return _overview(actor, entries, nominees, sprint)


def impact_report_all(actor: Any) -> ImpactOverview:
    """The report over every sprint's candidates (L&D only); audited. Lists the sprints with
    their candidate counts so the page can link to each sprint's report."""
    require(actor, "can_view_adverse_impact")
    counted = (sa.select(Candidate.sprint_id, sa.func.count().label("candidates"))
               .where(Candidate.stage != CandidateStage.NOMINATED.value,
                      Candidate.furthest_stage != CandidateStage.NOMINATED.value)
               .group_by(Candidate.sprint_id))
    per_sprint: dict[int, int] = {row.sprint_id: row.candidates
                                  for row in db.session.execute(counted)}
    rows = db.session.scalars(sa.select(Sprint).order_by(Sprint.start_date.desc(),
                                                         Sprint.id.desc()))
    sprints = tuple(SprintLink(s.id, s.name, s.status, per_sprint.get(s.id, 0)) for s in rows)
    entries, nominees = _entries(None)
    return _overview(actor, entries, nominees, None, sprints)

"""What the generator's steps share: the random source, the clock, the ids of what earlier steps
wrote, and closed assessments scored from a few precomputed mark profiles (scoring each of
thousands of assessments through the rubric would add nothing but time: equal marks give equal
results)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from coachprog.assessments import domain as assessment_domain
from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.extensions import db
from coachprog.rubrics.domain import score_assessment
from coachprog.rubrics.models import RubricVersion
from coachprog.seed.large.bulk import Bulk
from coachprog.seed.marks import MIXED, SOLID, STRONG


@dataclass(frozen=True)
class Sizes:
    people: int
    coaches: int
    sessions: int
    hour_entries: int


@dataclass
class Scored:
    """One mark profile on one rubric version: the marks and the results they give."""

    version_id: int
    marks: dict[str, int]
    notes: dict[str, str]
    rater_result: dict[str, Any]
    combined: dict[str, Any]


@dataclass
class Org:
    rng: random.Random
    now: datetime
    today: date
    bulk: Bulk
    sizes: Sizes
    admin_id: int
    password_hash: str
    people: list[int] = field(default_factory=list)  # the generated people
    staff: list[int] = field(default_factory=list)  # generated people who manage nobody
    manager_of: dict[int, int | None] = field(default_factory=dict)
    name_of: dict[int, str] = field(default_factory=dict)
    coaches: list[int] = field(default_factory=list)  # person ids of appointed coaches
    user_of: dict[int, int] = field(default_factory=dict)  # person id -> account id
    leads: list[int] = field(default_factory=list)  # lead coach account ids
    lead_person: dict[int, int] = field(default_factory=dict)  # lead account -> person
    lead_of: dict[int, int] = field(default_factory=dict)  # coach person -> lead account
    masters: list[int] = field(default_factory=list)  # master coach account ids
    raters: list[int] = field(default_factory=list)  # rater account ids
    sessions_of: dict[int, list[tuple[int, date]]] = field(default_factory=dict)
    scored: dict[str, list[Scored]] = field(default_factory=dict)  # by rubric key

    def pick(self, seq: list[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]


def latest_version(rubric_key: str) -> RubricVersion | None:
    return db.session.scalar(sa.select(RubricVersion).where(RubricVersion.rubric_key == rubric_key)
                             .order_by(RubricVersion.version.desc()).limit(1))


def prepare_scores(org: Org, keys: tuple[str, ...]) -> None:
    """Precompute each mark profile's results on the latest version of each rubric."""

    for key in keys:
        version = latest_version(key)
        if version is None:
            continue
        rubric = version.to_domain()
        org.scored[key] = []
        for profile in (STRONG, SOLID, SOLID, MIXED):
            raw, notes = profile.marks(rubric)
            marks = {k: int(v) for k, v in raw.items()}
            result = score_assessment(rubric, marks)
            unmet = assessment_domain.unmet_non_negotiables(rubric, marks)
            combined = assessment_domain.combine_results([result, result],
                                                         rules=rubric.pass_rules,
                                                         unmet=[unmet, unmet])
            org.scored[key].append(Scored(
                version.id, marks, notes, result.as_dict(),
                {**combined.as_dict(), "basis": "combined", "raters": 2}))


def closed_assessment(org: Org, key: str, *, title: str, subject_person_id: int | None,
                      rater_ids: list[int], closed_at: datetime, blind: bool = False) -> int | None:
    """A live assessment scored by `rater_ids` (who agree) and closed at `closed_at`; with
    its evidence item, assignments and marks. None when the rubric is not loaded."""
    if not org.scored.get(key):
        return None
    scored = org.pick(org.scored[key])
    bulk = org.bulk
    evidence_id = bulk.add(EvidenceItem, title=f"Recorded session: {title}",
                           description="Generated for the large organisation (no recording).",
                           subject_person_id=subject_person_id, created_by_id=org.admin_id,
                           created_at=closed_at)
    pseudonym = assessment_domain.pseudonym_from(org.rng.randbytes(8))
    assessment_id = bulk.add(
        Assessment, evidence_item_id=evidence_id, rubric_version_id=scored.version_id,
        title=title, blind=blind, subject_pseudonym=pseudonym, status="closed", kind="live",
        result=scored.combined if len(rater_ids) > 1 else
        {**scored.rater_result, "basis": "single", "raters": 1},
        created_by_id=org.admin_id, created_at=closed_at, closed_at=closed_at)
    for rater_id in rater_ids:
        assignment_id = bulk.add(
            RaterAssignment, assessment_id=assessment_id, rater_id=rater_id, role="rater",
            status="submitted", assigned_by_id=org.admin_id, assigned_at=closed_at,
            submitted_at=closed_at, result=scored.rater_result)
        for behaviour, value in scored.marks.items():
            bulk.add(Mark, assignment_id=assignment_id, behaviour_id=behaviour, value=value,
                     note=scored.notes.get(behaviour, ""))
    return assessment_id

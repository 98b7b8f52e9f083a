"""Objects the calibration tests need: a small rubric version, an exercise, submitted marks.

Marks are written straight into the models (the assessments domain owns the scoring page), so
these tests do not depend on how scoring is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coachprog.assessments.exercises import services
from coachprog.assessments.models import Assessment, Mark, RaterAssignment
from coachprog.authority import SystemActor
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import content_hash, load_rubric_text
from tests.factories import UserFactory

RUBRIC_YAML = """
id: calib-test
version: 1
title: Calibration test rubric
purpose: session_review
competencies:
  - id: listening
    title: Listening
    behaviours:
      - id: reflects
        description: Reflects back what the client said in their words
        scale: "1-5"
        anchors: {1: never does it, 2: rarely, 3: sometimes, 4: often, 5: consistently}
      - id: silence
        description: Leaves silence for the client to think
        scale: "1-5"
        anchors: {1: never does it, 2: rarely, 3: sometimes, 4: often, 5: consistently}
      - id: no-advice
        description: Does not give advice or solutions
        scale: binary
pass_rules:
  overall_threshold: 0.6
"""
BEHAVIOURS = ("reflects", "silence", "no-advice")


def rubric_version(key: str = "calib-test", version: int = 1) -> RubricVersion:
    _, content = load_rubric_text(RUBRIC_YAML.replace("id: calib-test", f"id: {key}")
                                  .replace("version: 1", f"version: {version}"))
    row = RubricVersion(rubric_key=key, version=version, title=content["title"],
                        purpose=content["purpose"], content=content,
                        content_hash=content_hash(content), source="tests")
    db.session.add(row)
    db.session.flush()
    return row


def user(*roles: Role | str, **fields: Any):
    return UserFactory(roles=[Role(r) for r in roles], **fields)


def exercise(*, raters: Sequence[Any], gold: Any | None = None, items: int = 2,
             version: RubricVersion | None = None, title: str = "Spring calibration",
             actor: Any = None) -> CalibrationExercise:
    gold = gold or user(Role.MASTER_COACH)
    version = version or rubric_version()
    created = services.create_exercise(actor or SystemActor("test"), services.ExerciseDraft(
        title=title, rubric_version_id=version.id, gold_rater_id=gold.id,
        rater_ids=[r.id for r in raters],
        new_item_titles=[f"Recording {n}" for n in range(1, items + 1)],
    ))
    db.session.commit()
    return created


def assignment(item: Assessment, rater_id: int, role: str = "rater") -> RaterAssignment:
    return next(a for a in item.assignments if a.rater_id == rater_id and a.role == role)


def score(item: Assessment, rater_id: int, marks: Mapping[str, int | None], *,
          role: str = "rater", submit: bool = True, note: str = "") -> RaterAssignment:
    target = assignment(item, rater_id, role)
    for behaviour_id, value in marks.items():
        target.marks.append(Mark(behaviour_id=behaviour_id, value=value, note=note))
    target.status = "submitted" if submit else "draft"
    target.submitted_at = utcnow() if submit else None
    db.session.flush()
    return target


def marks(reflects: int, silence: int, no_advice: int) -> dict[str, int]:
    return {"reflects": reflects, "silence": silence, "no-advice": no_advice}


def score_all(ex: CalibrationExercise, gold_id: int, gold_marks: Sequence[dict[str, int]],
              by_rater: Mapping[int, Sequence[dict[str, int]]]) -> None:
    for item, gold_set in zip(ex.items, gold_marks, strict=True):
        score(item, gold_id, gold_set, role="gold")
    for rater_id, sets in by_rater.items():
        for item, rater_set in zip(ex.items, sets, strict=False):
            score(item, rater_id, rater_set)
    db.session.commit()


def gold_id_of(ex: CalibrationExercise) -> int:
    return next(a.rater_id for a in ex.items[0].assignments if a.role == "gold")


def at(text: str) -> datetime:
    from datetime import UTC

    return datetime.fromisoformat(text).replace(tzinfo=UTC)


GOLD = [marks(4, 2, 1), marks(2, 5, 0), marks(3, 3, 1)]


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def decision(exercise_id: int, rater_id: int) -> RaterCalibration:
    return db.session.scalars(sa.select(RaterCalibration).where(
        RaterCalibration.exercise_id == exercise_id, RaterCalibration.rater_id == rater_id)).one()


def draft(**overrides) -> services.ExerciseDraft:
    values = {"title": "Spring", "rubric_version_id": None, "gold_rater_id": None,
              "rater_ids": [], "evidence_item_ids": [], "new_item_titles": []}
    values.update(overrides)
    return services.ExerciseDraft(**values)


def closed_exercise_with_two_raters() -> tuple[CalibrationExercise, Any, Any]:
    """An exercise of three items closed with two raters: Ana calibrated, Bo not."""
    ana, bo = user(Role.RATER, display_name="Ana"), user(Role.RATER, display_name="Bo")
    ex = exercise(raters=[ana, bo], items=3)
    score_all(ex, gold_id_of(ex), GOLD, {
        ana.id: [marks(4, 2, 1), marks(2, 4, 0), marks(3, 3, 1)],
        bo.id: [marks(5, 3, 1), marks(3, 5, 1), marks(4, 4, 1)],
    })
    services.close_exercise(SystemActor("test"), ex.id, at=at("2026-03-15T09:00:00"),
                            threshold=0.6, months=12)
    db.session.commit()
    return ex, ana, bo

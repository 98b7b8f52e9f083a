"""Objects the assessment tests need: a small rubric version, evidence about a person,
calibrated raters, assessments with their raters. Everything is flushed; the test commits.

Until the rubric loader lands (part A), rubric versions are inserted straight from YAML text.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.auth.models import User
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import content_hash, load_rubric_text
from tests.factories import PersonFactory, UserFactory

RUBRIC_YAML = """
id: test-review
version: 1
title: Test session review
purpose: session_review
description: Score one recorded 30-minute session; mark only what you see or hear.
competencies:
  - id: listening
    title: Active listening
    behaviours:
      - id: reflects
        description: Reflects back the client's words and meaning
        scale: "1-5"
        anchors:
          1: Talks over the client
          2: Rarely reflects what was said
          3: Reflects now and then
          4: Reflects often and accurately
          5: Reflects feelings and meaning throughout
      - id: silence
        description: Allows silence for the client to think
        scale: binary
  - id: stance
    title: Coaching stance
    behaviours:
      - id: no-advice
        description: Asks rather than tells or advises
        scale: binary
        non_negotiable: true
pass_rules:
  overall_threshold: 0.6
  competency_minimum: 0.5
"""

# Complete mark sets as a form posts them (behaviour id → value string).
HIGH = {"reflects": "5", "silence": "1", "no-advice": "1"}  # overall 100 %, passes
NEAR_HIGH = {"reflects": "4", "silence": "1", "no-advice": "1"}  # overall 92 %, passes
LOW = {"reflects": "2", "silence": "0", "no-advice": "1"}  # overall 42 %, fails


def rubric_version(key: str = "test-review", version: int = 1) -> RubricVersion:
    text = RUBRIC_YAML.replace("id: test-review", f"id: {key}", 1).replace(
        "version: 1", f"version: {version}", 1)
    rubric, content = load_rubric_text(text)
    row = RubricVersion(rubric_key=rubric.id, version=rubric.version, title=rubric.title,
                        purpose=rubric.purpose.value, content=content,
                        content_hash=content_hash(content), source="test")
    db.session.add(row)
    db.session.flush()
    return row


def calibrate(user: User, rubric_key: str = "test-review", *, expired: bool = False) -> None:
    version = db.session.query(RubricVersion).filter_by(rubric_key=rubric_key).first()
    if version is None:
        version = rubric_version(rubric_key)
    exercise = CalibrationExercise(title="Calibration", rubric_version_id=version.id)
    db.session.add(exercise)
    db.session.flush()
    delta = timedelta(days=-1) if expired else timedelta(days=300)
    db.session.add(RaterCalibration(exercise_id=exercise.id, rater_id=user.id,
                                    rubric_key=rubric_key, kappa=0.8, severity=0.0,
                                    items_scored=5, calibrated=True,
                                    expires_at=utcnow() + delta))
    db.session.flush()


def rater(*roles: Role, calibrated: bool = True, **fields: Any) -> User:
    user: User = UserFactory(roles=list(roles) or [Role.RATER], **fields)
    if calibrated:
        calibrate(user)
    return user


def subject_person(**fields: Any) -> Person:
    defaults = {"name": "Zanele Okonkwo-Brandt", "email": "zanele.ob@example.com",
                "employee_id": "EMP-ZOB-7731"}
    person: Person = PersonFactory(**{**defaults, **fields})
    return person


def evidence(subject: Person | None = None, **fields: Any) -> EvidenceItem:
    item = EvidenceItem(title=fields.pop("title", "Recorded session 3"),
                        description=fields.pop("description", "Third practicum session"),
                        subject_person_id=subject.id if subject else None, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def assessment(*, blind: bool = False, raters: list[User] | tuple[User, ...] = (),
               subject: Person | None = None, kind: str = "live", title: str = "Practicum review",
               version: RubricVersion | None = None, status: str = "open") -> Assessment:
    version = version or db.session.query(RubricVersion).filter_by(
        rubric_key="test-review").first() or rubric_version()
    item = evidence(subject)
    row = Assessment(evidence_item_id=item.id, rubric_version_id=version.id, title=title,
                     blind=blind, kind=kind, status=status, subject_pseudonym="Candidate T3ST")
    db.session.add(row)
    db.session.flush()
    for user in raters:
        db.session.add(RaterAssignment(assessment_id=row.id, rater_id=user.id, role="rater"))
    db.session.flush()
    db.session.refresh(row)
    return row


# --- for the access matrix (setup functions return URL parts) ----------------------------------


def matrix_assessment() -> dict[str, Any]:
    owner = rater()
    row = assessment(raters=[owner], subject=subject_person(
        name="Matrix Subject", email="matrix.subject@example.com", employee_id="MX1"))
    db.session.commit()
    return {"assessment_id": row.id, "assignment_id": row.assignments[0].id}


def matrix_moderation() -> dict[str, Any]:
    first, second = rater(), rater()
    row = assessment(raters=[first, second], status="moderation")
    db.session.commit()
    return {"assessment_id": row.id}


def matrix_attachment() -> dict[str, Any]:
    from flask import current_app

    from coachprog.assessments.evidence import evidence_store

    ids = matrix_assessment()
    row = db.session.get(Assessment, ids["assessment_id"])
    evidence_store().put("matrixfile", io.BytesIO(b"%PDF-1.4 matrix"))
    assert current_app
    row.evidence.attachment_path = "evidence/matrixfile"
    row.evidence.attachment_name = "session.pdf"
    db.session.commit()
    return ids

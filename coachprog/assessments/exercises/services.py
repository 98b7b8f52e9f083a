"""Calibration exercises (the use cases that decide rater calibration).

An exercise is a set of calibration items: one blind assessment (kind "calibration") per
evidence item, with a gold assignment scored by a master coach and a rater assignment for each
participant. Closing the exercise decides, per rater, kappa against gold, severity and whether
they are calibrated (a `calibration.models.RaterCalibration` each); the statistics themselves
are pure (`calibration.domain`). Calibration status (`calibration.services.is_calibrated` ...)
sits below assessments; the exercises are assessments, so they live here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment
from coachprog.auth.models import RoleGrant, User
from coachprog.authority import can, require
from coachprog.calibration import domain
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.roles import RATER_ROLES, Role
from coachprog.rubrics.domain import Rubric, ScaleKind
from coachprog.rubrics.models import RubricVersion

MAX_ITEMS = 50
MAX_TITLE = 200


# --- creating an exercise ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseDraft:
    title: str
    rubric_version_id: int | None
    gold_rater_id: int | None
    rater_ids: Sequence[int]
    evidence_item_ids: Sequence[int] = ()
    new_item_titles: Sequence[str] = ()


@dataclass(frozen=True)
class ExerciseChoices:
    rubric_versions: list[RubricVersion]
    master_coaches: list[User]
    raters: list[User]
    evidence_items: list[EvidenceItem]


def _users_with_role(*roles: Role) -> list[User]:
    """Active users holding any of `roles`, each once."""
    return list(db.session.scalars(
        sa.select(User)
        .where(User.is_active.is_(True), User.id.in_(
            sa.select(RoleGrant.user_id).where(RoleGrant.role.in_([r.value for r in roles]))))
        .order_by(User.display_name, User.id)
    ))


def exercise_choices(actor: Any) -> ExerciseChoices:
    require(actor, "can_manage_calibration")
    versions = list(db.session.scalars(
        sa.select(RubricVersion).order_by(RubricVersion.title, RubricVersion.version.desc())))
    items = list(db.session.scalars(
        sa.select(EvidenceItem).order_by(EvidenceItem.created_at.desc(), EvidenceItem.id.desc())
        .limit(500)))
    return ExerciseChoices(versions, _users_with_role(Role.MASTER_COACH),
                           _users_with_role(*RATER_ROLES), items)


def create_exercise(actor: Any, draft: ExerciseDraft) -> CalibrationExercise:
    """Create the exercise and its blind calibration items, with gold and rater assignments."""
    require(actor, "can_manage_calibration")
    errors: dict[str, list[str]] = defaultdict(list)
    title = draft.title.strip()
    if not title:
        errors["title"].append("Give the exercise a title.")
    elif len(title) > MAX_TITLE:
        errors["title"].append(f"Use at most {MAX_TITLE} characters.")
    version = (db.session.get(RubricVersion, draft.rubric_version_id)
               if draft.rubric_version_id else None)
    if version is None:
        errors["rubric_version_id"].append("Choose the rubric version the items are scored on.")
    gold = db.session.get(User, draft.gold_rater_id) if draft.gold_rater_id else None
    if gold is None or not gold.is_active:
        errors["gold_rater_id"].append("Choose the master coach who sets the gold marks.")
    elif not can(gold, "can_score_gold_marks"):
        errors["gold_rater_id"].append(f"{gold.display_name} is not a master coach; gold marks "
                                       "are agreed by master coaches.")
    raters = _participants(draft.rater_ids, gold, errors)
    items = _evidence_items(actor, draft, errors)
    if errors or version is None or gold is None:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, field_errors=errors)

    exercise = CalibrationExercise(title=title, rubric_version_id=version.id, status="open",
                                   created_by_id=getattr(actor, "id", None))
    db.session.add(exercise)
    db.session.flush()
    for number, item in enumerate(items, start=1):
        assessment = Assessment(
            evidence_item_id=item.id, rubric_version_id=version.id,
            title=f"{title} · item {number}", blind=True, subject_pseudonym="pending",
            status="open", kind="calibration", calibration_exercise_id=exercise.id,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(assessment)
        db.session.flush()
        # Raters never learn whose work a calibration item is (if the evidence has a subject at
        # all); they do see the evidence itself, or there would be nothing to score.
        assessment.subject_pseudonym = f"Calibration item {assessment.id}"
        assessment.assignments.append(RaterAssignment(
            rater_id=gold.id, role="gold", assigned_by_id=getattr(actor, "id", None)))
        for rater in raters:
            assessment.assignments.append(RaterAssignment(
                rater_id=rater.id, role="rater", assigned_by_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record("calibration.exercise_created", actor=actor, object_type="calibration_exercise",
                 object_id=exercise.id,
                 detail={"title": title, "rubric": version.rubric_key,
                         "rubric_version": version.version, "items": len(items),
                         "gold_rater_id": gold.id, "rater_ids": [r.id for r in raters]})
    return exercise


def _participants(rater_ids: Sequence[int], gold: User | None,
                  errors: dict[str, list[str]]) -> list[User]:
    wanted = list(dict.fromkeys(rater_ids))
    if not wanted:
        errors["rater_ids"].append("Choose at least one rater to take part.")
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}
    raters: list[User] = []
    for user_id in wanted:
        user = users.get(user_id)
        if user is None or not user.is_active:
            errors["rater_ids"].append(f"User {user_id} does not exist or is deactivated.")
        elif gold is not None and user.id == gold.id:
            errors["rater_ids"].append(f"{user.display_name} sets the gold marks and cannot "
                                       "also take part.")
        elif not can(user, "can_take_calibration"):
            errors["rater_ids"].append(f"{user.display_name} does not hold a rater role "
                                       "(rater, master coach or lead coach).")
        else:
            raters.append(user)
    return raters


def _evidence_items(actor: Any, draft: ExerciseDraft,
                    errors: dict[str, list[str]]) -> list[EvidenceItem]:
    wanted = list(dict.fromkeys(draft.evidence_item_ids))
    found = {i.id: i for i in db.session.scalars(
        sa.select(EvidenceItem).where(EvidenceItem.id.in_(wanted)))} if wanted else {}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        errors["evidence_item_ids"].append("No such evidence item: " + ", ".join(missing) + ".")
    titles = [t.strip() for t in draft.new_item_titles if t.strip()]
    too_long = [t for t in titles if len(t) > MAX_TITLE]
    if too_long:
        errors["new_items"].append(f"Item titles have at most {MAX_TITLE} characters.")
    total = len(found) + len(titles)
    if total == 0:
        errors["evidence_item_ids"].append("Choose evidence items or name new ones: an "
                                           "exercise needs at least one item.")
    elif total > MAX_ITEMS:
        errors["evidence_item_ids"].append(f"An exercise has at most {MAX_ITEMS} items.")
    if errors:
        return []
    items = [found[i] for i in wanted]
    for item_title in titles:
        item = EvidenceItem(title=item_title, created_by_id=getattr(actor, "id", None))
        db.session.add(item)
        items.append(item)
    db.session.flush()
    return items


# --- reading an exercise ----------------------------------------------------------------------


def list_exercises(actor: Any) -> list[CalibrationExercise]:
    """Supervisors see every exercise; a rater the ones they take part in."""
    require(actor, "can_view_calibration")
    query = sa.select(CalibrationExercise).order_by(CalibrationExercise.created_at.desc(),
                                                    CalibrationExercise.id.desc())
    if not can(actor, "can_view_all_calibration_results"):
        taking_part = (sa.select(Assessment.calibration_exercise_id)
                       .join(RaterAssignment, RaterAssignment.assessment_id == Assessment.id)
                       .where(RaterAssignment.rater_id == actor.id,
                              RaterAssignment.role == "rater"))
        query = query.where(CalibrationExercise.id.in_(taking_part))
    # The list shows each exercise's rubric version and number of items.
    query = query.options(joinedload(CalibrationExercise.rubric_version),
                          selectinload(CalibrationExercise.items))
    return list(db.session.scalars(query))


def get_exercise(actor: Any, exercise_id: int) -> CalibrationExercise:
    """The exercise with what its pages, its permission check (participants) and closing
    read: items with their evidence and assignments with their raters, loaded in a fixed
    number of queries however many items and raters there are."""
    exercise = db.session.get(CalibrationExercise, exercise_id, options=[
        joinedload(CalibrationExercise.rubric_version),
        selectinload(CalibrationExercise.items).options(
            selectinload(Assessment.assignments).joinedload(RaterAssignment.rater),
            joinedload(Assessment.evidence)),
    ])
    if exercise is None:
        raise NotFound("calibration exercise")
    require(actor, "can_view_calibration_exercise", exercise)
    return exercise


@dataclass(frozen=True)
class ItemProgress:
    assessment: Assessment
    gold: RaterAssignment | None
    assignments: list[RaterAssignment]  # the rater assignments the actor may see


def exercise_progress(actor: Any, exercise: CalibrationExercise) -> list[ItemProgress]:
    """Who has scored which item; a participant sees only their own assignments.

    Status only, never marks: gold marks stay hidden from raters until the exercise closes.
    """
    require(actor, "can_view_calibration_exercise", exercise)
    sees_all = can(actor, "can_view_all_calibration_results", exercise)
    progress = []
    for item in exercise.items:
        gold = next((a for a in item.assignments if a.role == "gold"), None)
        raters = [a for a in item.assignments if a.role == "rater"
                  and (sees_all or a.rater_id == actor.id)]
        progress.append(ItemProgress(item, gold, raters))
    return progress


# --- closing: the statistics ------------------------------------------------------------------


@dataclass
class _Marks:
    """Submitted marks of an exercise: gold and per rater, item → behaviour → value."""

    gold: dict[int, dict[str, int]] = field(default_factory=dict)
    raters: dict[int, dict[int, dict[str, int]]] = field(default_factory=dict)


def _submitted_marks(exercise: CalibrationExercise) -> _Marks:
    marks = _Marks()
    item_ids = [item.id for item in exercise.items]
    if not item_ids:
        return marks
    rows = db.session.execute(
        sa.select(RaterAssignment.assessment_id, RaterAssignment.rater_id, RaterAssignment.role,
                  Mark.behaviour_id, Mark.value)
        .join(Mark, Mark.assignment_id == RaterAssignment.id, isouter=True)
        .where(RaterAssignment.assessment_id.in_(item_ids),
               RaterAssignment.status == "submitted")
    )
    for item_id, rater_id, role, behaviour_id, value in rows:
        if role == "gold":
            target = marks.gold.setdefault(item_id, {})
        elif role == "rater":
            target = marks.raters.setdefault(rater_id, {}).setdefault(item_id, {})
        else:
            continue
        if behaviour_id is not None and value is not None:
            target[behaviour_id] = value
    return marks


def _pairs(rubric: Rubric, gold: dict[int, dict[str, int]],
           rater: dict[int, dict[str, int]]) -> list[domain.MarkPair]:
    scales = {b.id: b.scale for b in rubric.behaviours}
    pairs = []
    for item_id, marks in sorted(rater.items()):
        for behaviour_id, value in sorted(marks.items()):
            gold_value = gold.get(item_id, {}).get(behaviour_id)
            scale = scales.get(behaviour_id)
            if gold_value is None or scale is None or value not in _valid(scale) \
                    or gold_value not in _valid(scale):
                continue
            pairs.append(domain.MarkPair(scale, value, gold_value))
    return pairs


def _valid(scale: ScaleKind) -> tuple[int, ...]:
    return (0, 1) if scale is ScaleKind.BINARY else (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class RaterResult:
    rater_id: int
    items_scored: int
    agreement: domain.GoldAgreement


def _rater_results(exercise: CalibrationExercise, rubric: Rubric,
                   marks: _Marks) -> list[RaterResult]:
    participants = sorted(exercise.participant_ids)
    return [RaterResult(rater_id, len(marks.raters.get(rater_id, {})),
                        domain.agreement_with_gold(
                            _pairs(rubric, marks.gold, marks.raters.get(rater_id, {}))))
            for rater_id in participants]


@dataclass(frozen=True)
class Alphas:
    ordinal: float | None  # 1–5 behaviours
    nominal: float | None  # binary behaviours


def _alphas(rubric: Rubric, marks: _Marks) -> Alphas:
    """Krippendorff's alpha among the participating raters (gold is the reference, not a
    rater); units are (item, behaviour)."""
    scales = {b.id: b.scale for b in rubric.behaviours}
    units: dict[ScaleKind, dict[tuple[int, str], dict[int, int]]] = {
        ScaleKind.LEVELS: {}, ScaleKind.BINARY: {}}
    for rater_id, items in marks.raters.items():
        for item_id, values in items.items():
            for behaviour_id, value in values.items():
                scale = scales.get(behaviour_id)
                if scale is None or value not in _valid(scale):
                    continue
                units[scale].setdefault((item_id, behaviour_id), {})[rater_id] = value
    return Alphas(domain.krippendorff_alpha(units[ScaleKind.LEVELS], "ordinal"),
                  domain.krippendorff_alpha(units[ScaleKind.BINARY], "nominal"))


def close_exercise(actor: Any, exercise_id: int, *, at: datetime | None = None,
                   threshold: float | None = None,
                   months: int | None = None) -> list[RaterCalibration]:
    """Decide every participant's calibration and close the exercise and its items.

    Refuses while an item has no submitted gold marks: without gold there is nothing to agree
    with. A rater who left items unscored is decided (and recorded) as not calibrated.
    """
    exercise = get_exercise(actor, exercise_id)
    require(actor, "can_manage_calibration", exercise)
    if not exercise.is_open:
        raise DomainError("This exercise is already closed.")
    if not exercise.items:
        raise DomainError("This exercise has no items to decide on.")
    marks = _submitted_marks(exercise)
    without_gold = [item.subject_pseudonym for item in exercise.items
                    if not marks.gold.get(item.id)]
    if without_gold:
        raise DomainError("Gold marks are not submitted yet for: " + ", ".join(without_gold)
                          + ". A master coach must score them before the exercise can close.")
    at = at or utcnow()
    threshold = (current_app.config["COACHPROG_CALIBRATION_KAPPA"]
                 if threshold is None else threshold)
    months = current_app.config["COACHPROG_CALIBRATION_MONTHS"] if months is None else months
    rubric_key = exercise.rubric_version.rubric_key
    rubric = exercise.rubric_version.to_domain()
    decisions = []
    for result in _rater_results(exercise, rubric, marks):
        calibrated = domain.is_calibrated(result.agreement.kappa,
                                          items_scored=result.items_scored,
                                          items_total=len(exercise.items), threshold=threshold)
        decision = RaterCalibration(
            exercise_id=exercise.id, rater_id=result.rater_id, rubric_key=rubric_key,
            kappa=result.agreement.kappa, severity=result.agreement.severity,
            items_scored=result.items_scored, calibrated=calibrated, decided_at=at,
            expires_at=domain.add_months(at, months) if calibrated else None,
        )
        db.session.add(decision)
        decisions.append(decision)
    for item in exercise.items:
        item.status = "closed"
        item.closed_at = at
    exercise.status = "closed"
    exercise.closed_at = at
    db.session.flush()
    for decision in decisions:
        audit.record("calibration.rater_decided", actor=actor, object_type="rater_calibration",
                     object_id=decision.id,
                     detail={"exercise_id": exercise.id, "rater_id": decision.rater_id,
                             "rubric": rubric_key, "kappa": decision.kappa,
                             "severity": decision.severity,
                             "items_scored": decision.items_scored,
                             "calibrated": decision.calibrated,
                             "expires_at": decision.expires_at.isoformat()
                             if decision.expires_at else None})
    alphas = _alphas(rubric, marks)
    audit.record("calibration.exercise_closed", actor=actor, object_type="calibration_exercise",
                 object_id=exercise.id,
                 detail={"threshold": threshold, "months": months,
                         "alpha_ordinal": alphas.ordinal, "alpha_nominal": alphas.nominal,
                         "calibrated": sum(d.calibrated for d in decisions),
                         "raters": len(decisions)})
    return decisions


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    decision: RaterCalibration
    agreement: domain.GoldAgreement | None


@dataclass(frozen=True)
class ExerciseResults:
    exercise: CalibrationExercise
    rows: list[ResultRow]
    alphas: Alphas
    chart: domain.BarChart
    items: int
    complete: bool  # False: a participant sees only their own row


def exercise_results(actor: Any, exercise: CalibrationExercise) -> ExerciseResults | None:
    """The decisions of a closed exercise (from `get_exercise`); None while it is open
    (results stay blind)."""
    require(actor, "can_view_calibration_exercise", exercise)
    if exercise.is_open:
        return None
    sees_all = can(actor, "can_view_all_calibration_results", exercise)
    query = (sa.select(RaterCalibration).join(User, User.id == RaterCalibration.rater_id)
             .where(RaterCalibration.exercise_id == exercise.id)
             .options(contains_eager(RaterCalibration.rater))
             .order_by(User.display_name, User.id))
    if not sees_all:
        query = query.where(RaterCalibration.rater_id == actor.id)
    decisions = list(db.session.scalars(query))
    marks = _submitted_marks(exercise)
    rubric = exercise.rubric_version.to_domain()
    breakdown = {r.rater_id: r.agreement for r in _rater_results(exercise, rubric, marks)}
    rows = [ResultRow(d, breakdown.get(d.rater_id)) for d in decisions]
    chart = domain.severity_chart([(d.rater.display_name, d.severity) for d in decisions
                                   if d.severity is not None])
    return ExerciseResults(exercise, rows, _alphas(rubric, marks), chart,
                           len(exercise.items), sees_all)

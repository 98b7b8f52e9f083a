"""Calibration status against a real database: who is calibrated, until when, and why not."""

from __future__ import annotations

from coachprog.assessments.exercises import services as exercises
from coachprog.authority import SystemActor
from coachprog.calibration import services
from coachprog.calibration.models import RaterCalibration
from coachprog.extensions import db
from coachprog.roles import Role
from tests.calibration.builders import (
    GOLD,
    at,
    closed_exercise_with_two_raters,
    decision,
    exercise,
    gold_id_of,
    marks,
    rubric_version,
    score_all,
    user,
)


def test_calibrated_until_gives_the_latest_current_expiry():
    ana, bo = user(Role.RATER), user(Role.RATER)
    for number, expires in enumerate((at("2027-01-01T00:00:00"), at("2027-06-01T00:00:00"),
                                      at("2025-01-01T00:00:00")), start=1):
        ex = exercise(raters=[ana], items=1, version=rubric_version(version=number))
        db.session.add(RaterCalibration(exercise_id=ex.id, rater_id=ana.id, rubric_key="k",
                                        calibrated=True, expires_at=expires))
    until = services.calibrated_until([ana.id, bo.id], "k", at("2026-01-01T00:00:00"))
    assert until == {ana.id: at("2027-06-01T00:00:00")}


def test_calibration_gates_live_scoring_until_it_expires():
    rater, other = user(Role.RATER), user(Role.RATER)
    ex = exercise(raters=[rater, other], items=3)
    score_all(ex, gold_id_of(ex), GOLD, {rater.id: GOLD, other.id: [marks(1, 1, 0)] * 3})
    decided = at("2026-03-15T09:00:00")
    exercises.close_exercise(SystemActor("test"), ex.id, at=decided, threshold=0.6, months=12)
    db.session.commit()

    assert services.is_calibrated(rater.id, "calib-test", at("2026-06-01T00:00:00"))
    assert services.is_calibrated(rater.id, "calib-test", at("2027-03-15T08:59:59"))
    assert not services.is_calibrated(rater.id, "calib-test", at("2027-03-15T09:00:00"))
    assert not services.is_calibrated(rater.id, "other-rubric", at("2026-06-01T00:00:00"))
    assert not services.is_calibrated(other.id, "calib-test", at("2026-06-01T00:00:00"))

    assert services.calibration_refusal(rater, "calib-test", at("2026-06-01T00:00:00")) is None
    expired = services.calibration_refusal(rater, "calib-test", at("2027-04-01T00:00:00"))
    assert "expired on 2027-03-15" in expired
    never = services.calibration_refusal(other, "calib-test", at("2026-06-01T00:00:00"))
    assert "is not calibrated for calib-test" in never


def test_an_expiry_written_in_the_past_ends_calibration_now():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: GOLD[:1]})
    exercises.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()
    assert services.is_calibrated(rater.id, "calib-test")

    row = decision(ex.id, rater.id)
    row.expires_at = at("2020-01-01T00:00:00")
    db.session.commit()

    assert not services.is_calibrated(rater.id, "calib-test")


def test_a_later_version_of_the_rubric_is_covered_by_calibration_on_an_earlier_one():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1, version=rubric_version("calib-test", 1))
    rubric_version("calib-test", 2)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: GOLD[:1]})
    exercises.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()
    assert services.is_calibrated(rater.id, "calib-test")


def test_my_calibrations_and_live_rubrics():
    _, ana, _ = closed_exercise_with_two_raters()
    mine = services.my_calibrations(ana, at("2026-04-01T00:00:00"))
    assert [(m.rubric_key, m.current) for m in mine] == [("calib-test", True)]
    assert services.live_rubrics(mine) == [
        ("calib-test", "Calibration test rubric", at("2027-03-15T09:00:00"))]
    later = services.my_calibrations(ana, at("2027-04-01T00:00:00"))
    assert services.live_rubrics(later) == []
    assert services.my_calibrations(user(Role.RATER)) == []

"""Calibration exercises against a real database: create, score, close, decide, results."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.assessments.exercises import services
from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.authority import SystemActor
from coachprog.calibration.domain import add_months, cohen_kappa
from coachprog.calibration.models import RaterCalibration
from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from tests.calibration.builders import (
    GOLD,
    at,
    audit,
    closed_exercise_with_two_raters,
    decision,
    draft,
    exercise,
    gold_id_of,
    marks,
    rubric_version,
    score,
    score_all,
    user,
)


def test_create_exercise_makes_one_blind_calibration_item_per_evidence_item():
    admin = user(Role.ADMIN)
    gold, ana, bo = user(Role.MASTER_COACH), user(Role.RATER), user(Role.RATER)
    version = rubric_version()
    existing = EvidenceItem(title="Recorded session, March")
    db.session.add(existing)
    db.session.flush()

    created = services.create_exercise(admin, draft(
        rubric_version_id=version.id, gold_rater_id=gold.id, rater_ids=[ana.id, bo.id, ana.id],
        evidence_item_ids=[existing.id], new_item_titles=["Simulation 1", "  ", "Simulation 2"]))
    db.session.commit()

    assert created.status == "open"
    assert len(created.items) == 3
    assert [item.evidence.title for item in created.items] == [
        "Recorded session, March", "Simulation 1", "Simulation 2"]
    for number, item in enumerate(created.items, start=1):
        assert item.kind == "calibration"
        assert item.blind is True
        assert item.rubric_version_id == version.id
        assert item.subject_pseudonym == f"Calibration item {item.id}"
        assert item.title == f"Spring · item {number}"
        assert sorted((a.role, a.rater_id) for a in item.assignments) == sorted(
            [("gold", gold.id), ("rater", ana.id), ("rater", bo.id)])
        assert all(a.status == "assigned" for a in item.assignments)
    assert created.participant_ids == {ana.id, bo.id}
    [entry] = audit("calibration.exercise_created")
    assert entry.actor_id == admin.id
    assert entry.detail["items"] == 3
    assert entry.detail["rater_ids"] == [ana.id, bo.id]


def test_create_exercise_is_for_admins_only():
    for role in (Role.MASTER_COACH, Role.LEAD_COACH, Role.RATER, Role.SPONSOR):
        with pytest.raises(NotPermitted):
            services.create_exercise(user(role), draft())


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": "  "}, "title", "title"),
    ({"title": "x" * 201}, "title", "200"),
    ({"rubric_version_id": 999_999}, "rubric_version_id", "rubric version"),
    ({"gold_rater_id": 999_999}, "gold_rater_id", "master coach"),
    ({"gold": "lead"}, "gold_rater_id", "is not a master coach"),
    ({"rater_ids": []}, "rater_ids", "at least one rater"),
    ({"rater_ids": [999_999]}, "rater_ids", "does not exist"),
    ({"raters": "coach"}, "rater_ids", "does not hold a rater role"),
    ({"raters": "gold"}, "rater_ids", "sets the gold marks"),
    ({"new_item_titles": []}, "evidence_item_ids", "at least one item"),
    ({"evidence_item_ids": [999_999]}, "evidence_item_ids", "No such evidence item"),
    ({"new_item_titles": ["t" * 201]}, "new_items", "200"),
    ({"new_item_titles": [f"item {n}" for n in range(51)]}, "evidence_item_ids", "at most 50"),
])
def test_create_exercise_refuses_bad_input_with_field_errors(change, field, message):
    admin = user(Role.ADMIN)
    gold = user(Role.MASTER_COACH, Role.RATER)
    rater = user(Role.RATER)
    values = {"rubric_version_id": rubric_version().id, "gold_rater_id": gold.id,
              "rater_ids": [rater.id], "new_item_titles": ["Item"]}
    special = dict(change)
    if special.pop("gold", None) == "lead":
        values["gold_rater_id"] = user(Role.LEAD_COACH).id
    who = special.pop("raters", None)
    if who == "coach":
        values["rater_ids"] = [user(Role.COACH).id]
    elif who == "gold":
        values["rater_ids"] = [gold.id]
    values.update(special)
    db.session.commit()

    with pytest.raises(DomainError) as caught:
        services.create_exercise(admin, draft(**values))
    db.session.rollback()

    assert any(message in text for text in caught.value.field_errors[field]), \
        caught.value.field_errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0
    assert audit("calibration.exercise_created") == []


def test_deactivated_rater_cannot_take_part():
    gone = user(Role.RATER, is_active=False)
    with pytest.raises(DomainError) as caught:
        exercise(raters=[gone])
    assert "deactivated" in caught.value.field_errors["rater_ids"][0]


@pytest.mark.parametrize("role", [Role.RATER, Role.MASTER_COACH, Role.LEAD_COACH])
def test_everyone_who_may_rate_live_may_be_calibrated(role):
    taker = user(role, display_name="Taker")
    assert taker in services.exercise_choices(SystemActor("test")).raters
    created = exercise(raters=[taker], items=1)
    assert created.participant_ids == {taker.id}


def test_rater_choices_list_each_person_once_whatever_their_roles():
    both = user(Role.RATER, Role.LEAD_COACH)
    assert services.exercise_choices(SystemActor("test")).raters.count(both) == 1


def test_close_exercise_decides_each_rater_from_their_agreement_with_gold():
    admin = user(Role.ADMIN)
    close_to_gold, lenient, lazy = user(Role.RATER), user(Role.RATER), user(Role.RATER)
    ex = exercise(raters=[close_to_gold, lenient, lazy], items=3)
    gold_id = gold_id_of(ex)
    score_all(ex, gold_id, GOLD, {
        close_to_gold.id: [marks(4, 2, 1), marks(2, 4, 0), marks(3, 3, 1)],
        lenient.id: [marks(5, 5, 1), marks(5, 5, 1), marks(5, 5, 1)],
        lazy.id: [marks(4, 2, 1), marks(2, 5, 0)],  # third item left unscored
    })
    now = at("2026-03-15T09:00:00")

    decisions = services.close_exercise(admin, ex.id, at=now, threshold=0.6, months=12)
    db.session.commit()

    assert len(decisions) == 3
    good = decision(ex.id, close_to_gold.id)
    gold_norm = [0.75, 0.25, 1, 0.25, 1, 0, 0.5, 0.5, 1]
    mine = [0.75, 0.25, 1, 0.25, 0.75, 0, 0.5, 0.5, 1]
    assert good.kappa == pytest.approx(cohen_kappa(mine, gold_norm))
    assert good.kappa > 0.9
    assert good.severity == pytest.approx(-0.25 / 9)
    assert good.items_scored == 3
    assert good.calibrated is True
    assert good.rubric_key == "calib-test"
    assert good.decided_at == now
    assert good.expires_at == add_months(now, 12) == at("2027-03-15T09:00:00")

    generous = decision(ex.id, lenient.id)
    assert generous.calibrated is False
    assert generous.kappa < 0.6
    assert generous.severity > 0.3
    assert generous.expires_at is None

    unfinished = decision(ex.id, lazy.id)
    assert unfinished.items_scored == 2
    assert unfinished.kappa == pytest.approx(1.0)  # perfect on what they did score ...
    assert unfinished.calibrated is False  # ... but every item must be scored

    ex = db.session.merge(ex)
    assert ex.status == "closed" and ex.closed_at == now
    assert all(item.status == "closed" for item in ex.items)
    assert len(audit("calibration.rater_decided")) == 3
    [closed] = audit("calibration.exercise_closed")
    assert closed.detail["calibrated"] == 1
    assert closed.detail["threshold"] == 0.6


def test_drafts_do_not_count_until_submitted():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    score(ex.items[0], gold_id_of(ex), GOLD[0], role="gold")
    score(ex.items[0], rater.id, GOLD[0], submit=False)
    db.session.commit()

    services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)

    result = decision(ex.id, rater.id)
    assert (result.items_scored, result.kappa, result.calibrated) == (0, None, False)


def test_close_uses_the_configured_threshold(app):
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=3)
    # kappa ≈ 0.91: calibrated at the default 0.6, not at 0.95.
    score_all(ex, gold_id_of(ex), GOLD, {rater.id: [marks(4, 3, 1), marks(2, 4, 0),
                                                    marks(2, 3, 1)]})
    now = at("2026-01-31T12:00:00")
    app.config.update(COACHPROG_CALIBRATION_KAPPA=0.95)
    try:
        services.close_exercise(SystemActor("test"), ex.id, at=now)
    finally:
        app.config.update(COACHPROG_CALIBRATION_KAPPA=0.6)
    result = decision(ex.id, rater.id)
    assert 0.6 < result.kappa < 0.95
    assert result.calibrated is False


def test_close_expiry_follows_the_configured_months(app):
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=3)
    score_all(ex, gold_id_of(ex), GOLD, {rater.id: GOLD})
    app.config.update(COACHPROG_CALIBRATION_MONTHS=1)
    try:
        services.close_exercise(SystemActor("test"), ex.id, at=at("2026-01-31T12:00:00"))
    finally:
        app.config.update(COACHPROG_CALIBRATION_MONTHS=12)
    assert decision(ex.id, rater.id).expires_at == at("2026-02-28T12:00:00")


def test_close_refuses_while_gold_marks_are_missing():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=2)
    score(ex.items[0], gold_id_of(ex), GOLD[0], role="gold")
    score(ex.items[1], gold_id_of(ex), GOLD[1], role="gold", submit=False)
    db.session.commit()
    missing = ex.items[1].subject_pseudonym

    with pytest.raises(DomainError, match=f"not submitted yet for: {missing}"):
        services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RaterCalibration)) == 0


def test_close_twice_is_refused():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: GOLD[:1]})
    services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()
    with pytest.raises(DomainError, match="already closed"):
        services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)


def test_close_is_for_admins_only_and_unknown_exercises_are_not_found():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    for role in (Role.MASTER_COACH, Role.LEAD_COACH):
        with pytest.raises(NotPermitted):
            services.close_exercise(user(role), ex.id)
    with pytest.raises(NotPermitted):
        services.close_exercise(rater, ex.id)  # a participant may not decide their own fate
    with pytest.raises(NotFound):
        services.close_exercise(user(Role.ADMIN), 999_999)


def test_results_show_every_rater_to_supervisors_with_alpha_and_chart():
    ex, ana, bo = closed_exercise_with_two_raters()

    results = services.exercise_results(user(Role.LEAD_COACH), ex)

    assert results.complete is True
    assert [row.decision.rater_id for row in results.rows] == [ana.id, bo.id]
    assert results.items == 3
    # Ordinal alpha over the six (item, 1–5 behaviour) units, nominal over the three binary ones.
    from coachprog.calibration.domain import krippendorff_alpha

    units = {(1, "r"): {1: 4, 2: 5}, (1, "s"): {1: 2, 2: 3}, (2, "r"): {1: 2, 2: 3},
             (2, "s"): {1: 4, 2: 5}, (3, "r"): {1: 3, 2: 4}, (3, "s"): {1: 3, 2: 4}}
    assert results.alphas.ordinal == pytest.approx(krippendorff_alpha(units, "ordinal"))
    assert results.alphas.nominal == pytest.approx(
        krippendorff_alpha({1: {1: 1, 2: 1}, 2: {1: 0, 2: 1}, 3: {1: 1, 2: 1}}, "nominal"))
    assert [bar.label for bar in results.chart.bars] == ["Ana", "Bo"]
    assert results.chart.bars[1].lenient and not results.chart.bars[0].lenient
    assert results.rows[1].agreement.kappa_binary is not None


def test_a_participant_sees_only_their_own_row():
    ex, ana, _ = closed_exercise_with_two_raters()

    results = services.exercise_results(ana, ex)

    assert results.complete is False
    assert [row.decision.rater_id for row in results.rows] == [ana.id]
    assert [bar.label for bar in results.chart.bars] == ["Ana"]


def test_results_stay_hidden_while_the_exercise_is_open():
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    assert services.exercise_results(user(Role.ADMIN), ex) is None
    assert services.exercise_results(rater, ex) is None


def test_results_are_refused_to_outsiders():
    ex, _, _ = closed_exercise_with_two_raters()
    for role in (Role.RATER, Role.COACH, Role.SPONSOR, Role.MANAGER):
        with pytest.raises(NotPermitted):
            services.exercise_results(user(role), ex)


def test_list_exercises_scopes_raters_to_their_own():
    ex, ana, _ = closed_exercise_with_two_raters()
    other = exercise(raters=[user(Role.RATER)], items=1, version=rubric_version("other", 1),
                     title="Other")
    assert [e.id for e in services.list_exercises(ana)] == [ex.id]
    assert {e.id for e in services.list_exercises(user(Role.MASTER_COACH))} == {ex.id, other.id}
    assert services.list_exercises(user(Role.RATER)) == []
    with pytest.raises(NotPermitted):
        services.list_exercises(user(Role.SPONSOR))


def test_exercise_progress_hides_other_raters_from_a_participant():
    ana, bo = user(Role.RATER), user(Role.RATER)
    ex = exercise(raters=[ana, bo], items=2)
    progress = services.exercise_progress(ana, ex)
    assert all([a.rater_id for a in item.assignments] == [ana.id] for item in progress)
    everyone = services.exercise_progress(user(Role.ADMIN), ex)
    assert all(sorted(a.rater_id for a in item.assignments) == sorted([ana.id, bo.id])
               for item in everyone)
    with pytest.raises(NotPermitted):
        services.exercise_progress(user(Role.RATER), ex)

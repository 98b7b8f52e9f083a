"""Sampling services: drawing, verify-by-recompute, redraw, the percentage floor, priority
weights."""

from __future__ import annotations

import pytest

from coachprog.audits.models import AuditSample
from coachprog.audits.sampling import services as sampling_services
from coachprog.errors import DomainError
from coachprog.extensions import db
from tests.audits.builders import (
    ADMIN,
    world,
)


def test_draw_is_stratified_recorded_and_verifies(clock) -> None:
    w = world()
    sample = sampling_services.draw(ADMIN, "2026q4", seed=42)
    db.session.commit()
    assert sample.quarter == "2026Q4" and sample.seed == 42
    assert len(sample.population) == 12
    assert len(sample.drawn) >= 3  # ceil(20 % x 12) = 3, and three groups
    strata = {m["stratum"] for m in sample.population}
    assert len(strata) == 3
    drawn_strata = {m["stratum"] for m in sample.population if m["coach_id"] in sample.drawn}
    assert drawn_strata == strata
    check = sampling_services.verify(ADMIN, sample.id)
    assert check.matches and check.recomputed == tuple(sorted(sample.drawn))
    # Tampering with the stored result is caught.
    sample.drawn = sorted({*sample.drawn[1:], *[c.id for c in w["a"]][:1]} ^ {-1})
    assert not sampling_services.verify(ADMIN, sample.id).matches


def test_inactive_coaches_are_not_in_the_population(clock, monkeypatch) -> None:
    w = world()
    gone = w["a"][0].id
    from coachprog.coaching.roster import services as roster

    real = roster.active_coach_ids
    monkeypatch.setattr(roster, "active_coach_ids", lambda: real() - {gone})
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1, percent=100)
    assert gone not in sample.drawn
    assert gone not in {m["coach_id"] for m in sample.population}


def test_priority_weights_in_snapshot(clock, drifting_ids) -> None:
    w = world()
    drifting_ids.add(w["b"][0].id)
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=3)
    weights = {m["coach_id"]: m["weight"] for m in sample.population}
    assert weights[w["b"][0].id] == 4.0  # not recently audited x drift
    assert weights[w["b"][1].id] == 2.0


def test_redraw_needs_reason_and_keeps_old(clock) -> None:
    world()
    first = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    db.session.commit()
    with pytest.raises(DomainError, match="redraw needs a reason") as info:
        sampling_services.draw(ADMIN, "2026Q4", seed=2)
    assert "redraw_reason" in info.value.field_errors
    db.session.rollback()
    second = sampling_services.draw(ADMIN, "2026Q4", seed=2,
                                    redraw_reason="Roster import was stale")
    db.session.commit()
    db.session.refresh(first)
    assert first.superseded_at is not None
    assert first.superseded_reason == "Roster import was stale"
    assert sampling_services.current_sample("2026Q4").id == second.id
    assert db.session.query(AuditSample).count() == 2
    # Within the quarter a coach is sampled at most once in the current sample.
    assert len(set(second.drawn)) == len(second.drawn)


def test_percent_below_floor_needs_override(clock) -> None:
    world()
    with pytest.raises(DomainError, match="override"):
        sampling_services.draw(ADMIN, "2026Q4", seed=1, percent=10)
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=1, percent=10,
                           override_reason="Pilot quarter agreed with the sponsor")
    assert sample.override_reason.startswith("Pilot")
    with pytest.raises(DomainError, match="quarter"):
        sampling_services.draw(ADMIN, "Q4-2026", seed=1)

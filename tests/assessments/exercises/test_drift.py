"""Rater drift per quarter on moderated live assessments."""

from __future__ import annotations

import pytest

from coachprog.assessments.exercises import drift
from coachprog.assessments.models import Assessment, EvidenceItem, RaterAssignment
from coachprog.errors import NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from tests.calibration.builders import (
    at,
    rubric_version,
    user,
)


def _live_moderated(version, rater, *, rater_overall, agreed_overall, closed_at,
                    moderated=True, kind="live"):
    item = EvidenceItem(title="Live evidence")
    db.session.add(item)
    db.session.flush()
    moderator = user(Role.MASTER_COACH)
    assessment = Assessment(evidence_item_id=item.id, rubric_version_id=version.id,
                            title="Live", subject_pseudonym="S", kind=kind, status="closed",
                            result={"overall": agreed_overall}, closed_at=closed_at,
                            moderated_by_id=moderator.id if moderated else None)
    assessment.assignments.append(RaterAssignment(rater_id=rater.id, role="rater",
                                                  status="submitted",
                                                  result={"overall": rater_overall}))
    db.session.add(assessment)
    db.session.flush()


def test_rater_drift_per_quarter_on_moderated_live_assessments():
    version = rubric_version()
    ana, bo = user(Role.RATER, display_name="Ana"), user(Role.RATER, display_name="Bo")
    _live_moderated(version, ana, rater_overall=0.9, agreed_overall=0.7,
                    closed_at=at("2026-11-02T10:00:00"))
    _live_moderated(version, ana, rater_overall=0.8, agreed_overall=0.8,
                    closed_at=at("2026-12-20T10:00:00"))
    _live_moderated(version, ana, rater_overall=0.5, agreed_overall=0.75,
                    closed_at=at("2027-01-05T10:00:00"))
    _live_moderated(version, bo, rater_overall=0.4, agreed_overall=0.6,
                    closed_at=at("2026-10-10T10:00:00"))
    # Not moderated, or a calibration item: no agreed outcome to drift from.
    _live_moderated(version, bo, rater_overall=1.0, agreed_overall=0.0,
                    closed_at=at("2026-10-11T10:00:00"), moderated=False)
    _live_moderated(version, bo, rater_overall=1.0, agreed_overall=0.0,
                    closed_at=at("2026-10-12T10:00:00"), kind="calibration")
    db.session.commit()

    table = drift.rater_drift(user(Role.LEAD_COACH))

    assert table.quarters == ["2026-Q4", "2027-Q1"]
    (first, ana_cells), (second, bo_cells) = table.rows
    assert (first.id, second.id) == (ana.id, bo.id)
    assert ana_cells["2026-Q4"].mean_deviation == pytest.approx(0.1)
    assert ana_cells["2026-Q4"].assessments == 2
    assert ana_cells["2027-Q1"].mean_deviation == pytest.approx(-0.25)
    assert set(bo_cells) == {"2026-Q4"}
    assert bo_cells["2026-Q4"].mean_deviation == pytest.approx(-0.2)
    assert bo_cells["2026-Q4"].assessments == 1


def test_rater_drift_is_for_supervisors():
    for role in (Role.RATER, Role.COACH, Role.SPONSOR, Role.MANAGER):
        with pytest.raises(NotPermitted):
            drift.rater_drift(user(role))

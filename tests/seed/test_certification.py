"""The demo seed: certified, due soon and lapsed coaches; a second run adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.certification.models import Certification
from coachprog.extensions import db
from coachprog.seed import certification as seed
from tests.coaching.builders import appointed_coach


def test_seed_is_idempotent_and_covers_three_states():
    assert seed.seed_demo(SystemActor("seed")) is False  # no appointed coaches yet
    for _ in range(3):
        appointed_coach()
    assert seed.seed_demo(SystemActor("seed")) is True
    statuses = sorted(db.session.scalars(sa.select(Certification.status)))
    assert statuses == ["active", "active", "lapsed"]
    assert seed.seed_demo(SystemActor("seed")) is False
    assert db.session.scalar(sa.select(sa.func.count(Certification.id))) == 3

"""The ICF-layout export of the ledger."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from coachprog.practicum.ledger import domain, export
from tests.practicum.builders import NOW, enrolled_trainee, entry

pytestmark = pytest.mark.usefixtures("clock")


def test_export_csv_is_icf_layout_verified_coached_only() -> None:
    person, trainee, _ = enrolled_trainee()
    entry(person, days_ago=10, status=domain.VERIFIED, coachee="Client A")
    entry(person, days_ago=3, status=domain.VERIFIED, coachee="client a", minutes=90)
    entry(person, days_ago=5, status=domain.VERIFIED, coachee="Client B", pro_bono=True)
    entry(person, days_ago=6, status=domain.VERIFIED, coachee="Team X", is_group=True,
          group_size=5)
    entry(person, days_ago=2, coachee="Client C")  # pending: not exported
    entry(person, days_ago=4, kind=domain.LAB, status=domain.VERIFIED)
    entry(person, days_ago=7, status=domain.VERIFIED, coachee="=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(export.export_csv(trainee, person.id))))
    assert rows[0] == list(export.ICF_COLUMNS)
    assert rows[1] == ["Client A", "redacted", "Individual", "1",
                       (NOW - timedelta(10)).date().isoformat(),
                       (NOW - timedelta(3)).date().isoformat(), "2.50", "0.00"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"Client A", "Client B", "Team X", "'=HYPERLINK(1)"}
    assert by_name["Client B"][6:] == ["0.00", "1.00"]
    assert by_name["Team X"][2:4] == ["Group", "5"]
    assert all(r[1] == "redacted" for r in rows[1:])

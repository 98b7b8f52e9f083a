"""The audits tests' fixtures for the audits seed's own tests: the fixed clock inside 2026Q4 and
(autouse) no fidelity flags."""

from tests.audits.conftest import clock, drifting_ids  # noqa: F401

"""Program outcomes routes in the access matrix: L&D admins and sponsors read; admins write."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.program.builders import program

READERS = statuses(403, admin=200, sponsor=200)
API_READERS = statuses(403, anonymous=401, admin=200, sponsor=200)

CASES = [
    Case("program.dashboard", "GET", lambda o: "/program/", READERS, setup=program),
    Case("program.download_report", "GET", lambda o: "/program/report.pdf", READERS,
         setup=program),
    Case("program.export_table", "GET", lambda o: "/program/export/roi.csv", READERS,
         setup=program),
    Case("program_charter.edit_charter", "GET", lambda o: "/program/charter", ADMIN_ONLY),
    Case("program_charter.new_gate", "GET", lambda o: "/program/gates/new", ADMIN_ONLY,
         setup=program),
    Case("program_charter.view_gate", "GET", lambda o: f"/program/gates/{o['gate_id']}",
         READERS, setup=program),
    Case("program_charter.edit_gate", "GET", lambda o: f"/program/gates/{o['gate_id']}/edit",
         ADMIN_ONLY, setup=program),
    # An empty decision comes back with the reason (400); others are refused.
    Case("program_charter.decide_gate", "POST",
         lambda o: f"/program/gates/{o['gate_id']}/decision", statuses(403, admin=400),
         setup=program),
    Case("program_metrics.import_metrics", "GET", lambda o: "/program/import", ADMIN_ONLY),
    Case("api.get_program_metrics", "GET", lambda o: "/api/v1/program/metrics",
         API_READERS, api=True, setup=program),
]

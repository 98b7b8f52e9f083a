"""Background jobs in a person's data (issue 24): the jobs they started (imports, batches).

Erasure keeps the rows (the job history and its counts); any copy of their identifiers in a
job's payload or result is replaced by the pseudonym by the erasure's final sweep.
"""

from __future__ import annotations

from coachprog.personal_data import register_table_section

register_table_section("jobs", ["jobs"], title="Background jobs you started", order=80)

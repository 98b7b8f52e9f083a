"""The ledger's export in the ICF coaching-log layout (verified coached sessions, the
coachee's contact redacted), the file a coach hands in with an ICF credential application."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from coachprog.governance import services as audit
from coachprog.practicum.ledger import domain
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.practicum.ledger.services import list_entries

ICF_COLUMNS = ("Client Name", "Contact Information", "Individual/Group", "Number in Group",
               "Start Date", "End Date", "Paid Hours", "Pro-Bono Hours")


def icf_rows(entries: Sequence[LedgerEntry]) -> list[list[str]]:
    """One row per coachee pseudonym and individual/group: verified coached sessions only,
    contact redacted, first and last session dates, paid (incl. internal) and pro bono hours."""
    groups: dict[tuple[str, bool], list[LedgerEntry]] = {}
    for e in entries:
        if e.kind != domain.COACHED or e.status != domain.VERIFIED:
            continue
        name = e.coachee_pseudonym or "(no pseudonym)"
        groups.setdefault((domain.coachee_key(name) or name, e.is_group), []).append(e)
    out = []
    for (_, group), items in sorted(groups.items(), key=lambda kv: min(
            x.starts_at for x in kv[1])):
        items.sort(key=lambda x: (x.starts_at, x.id))
        paid = sum(x.minutes for x in items if not x.pro_bono)
        free = sum(x.minutes for x in items if x.pro_bono)
        size = max((x.group_size or 0) for x in items) if group else 1
        out.append([items[0].coachee_pseudonym or "(no pseudonym)", "redacted",
                    "Group" if group else "Individual", str(size),
                    min(x.day for x in items).isoformat(), max(x.day for x in items).isoformat(),
                    f"{paid / 60:.2f}", f"{free / 60:.2f}"])
    return out


def export_csv(actor: Any, person_id: int) -> str:
    entries = list_entries(actor, person_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ICF_COLUMNS)
    for row in icf_rows(entries):
        # A pseudonym starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow([("'" + c) if c[:1] in "=+-@" and i == 0 else c
                         for i, c in enumerate(row)])
    audit.record("practicum.ledger_exported", actor=actor, object_type="person",
                 object_id=person_id)
    return buffer.getvalue()


"""The program in a person's data (issue 24): the charter edits, gate changes and gate
decisions an account made.

Erasure keeps these rows: a decision gate's history is the program's record of who decided
what and why, visible by design (issue 23); the account is pseudonymised and the final sweep
replaces the person's identifiers in every text column, so the history names no one.
Leaders themselves are held only under a keyed pseudonym (`program.metrics`), never by id.
"""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import ErasureContext, Subject, export_tables, register_section

TABLES = ("program_charters", "program_gates", "program_gate_changes")


def export(subject: Subject) -> dict[str, Any]:
    return export_tables(subject, *TABLES)


def erase(ctx: ErasureContext) -> None:
    return None


register_section("program", export, erase, title="Program charter and decision gates",
                 order=90, tables=list(TABLES))

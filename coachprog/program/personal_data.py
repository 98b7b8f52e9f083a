"""The program in a person's data (issue 24): the charter edits, gate changes and gate
decisions an account made.

Erasure keeps these rows: a decision gate's history is the program's record of who decided
what and why, visible by design (issue 23); the account is pseudonymised and the final sweep
replaces the person's identifiers in every text column, so the history names no one.
Leaders themselves are held only under a keyed pseudonym (`program.metrics`), never by id.
"""

from __future__ import annotations

from coachprog.personal_data import register_table_section

register_table_section("program",
                       ["program_charters", "program_gates", "program_gate_changes"],
                       title="Program charter and decision gates", order=90)

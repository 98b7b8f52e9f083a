"""Who may back up or restore the installation: only the operator at the server's shell.

A backup holds every person's data (recordings, evidence, password and token hashes) and a
restore replaces the whole installation, so no account is granted it, admins included; the
system actor of `flask backup …` passes every check.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import permission


@permission
def can_manage_backups(user: Any, obj: Any = None) -> bool:
    return False

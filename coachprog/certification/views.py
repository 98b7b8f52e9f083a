"""Certification pages: a coach's criteria, decisions and certificates."""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("certification", __name__, url_prefix="/certification")


def _invoked_as_check_levels() -> bool:
    return Path(sys.argv[0]).name == "flask" and "check-levels" in sys.argv[1:]


@bp.record_once
def _check_levels_file(state: BlueprintSetupState) -> None:
    """Refuse to start with an invalid levels file (as with rubric files), except for the
    command that reports the problems."""
    from coachprog.certification.evidence import NUMERIC, QUERIES
    from coachprog.certification.levels import (
        DEFAULT_LEVELS_FILE,
        LevelsInvalid,
        load_levels_file,
    )

    if _invoked_as_check_levels():
        return
    path = Path(state.app.config.get("COACHPROG_LEVELS_FILE") or DEFAULT_LEVELS_FILE)
    try:
        load_levels_file(path, known_evidence=set(QUERIES), numeric_evidence=NUMERIC)
    except LevelsInvalid as invalid:
        lines = "\n".join(f"{path}:{p}: {r}" for p, r in invalid.problems)
        raise RuntimeError(f"coachprog refuses to start: invalid levels file:\n{lines}\n"
                           "Run `flask --app wsgi certification check-levels`.") from None


# The recertification pages register their routes on this blueprint.
from coachprog.certification import recert_views  # noqa: E402, F401

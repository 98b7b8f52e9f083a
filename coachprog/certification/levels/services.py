"""The levels policy in force: the levels file the app is configured with, parsed once per
change, and the startup check that refuses an invalid one (as with rubric files)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask.sansio.app import App

from coachprog.certification import domain
from coachprog.certification.levels.evidence import NUMERIC, QUERIES
from coachprog.certification.levels.files import (
    DEFAULT_LEVELS_FILE,
    LevelsInvalid,
    load_levels_file,
)


def levels_file() -> Path:
    return Path(current_app.config.get("COACHPROG_LEVELS_FILE") or DEFAULT_LEVELS_FILE)


def levels_policy() -> domain.LevelsPolicy:
    """The policy from the levels file (raises LevelsInvalid), parsed again only when the
    file changes (every home page and dashboard asks; parsing took ~80 ms)."""
    path = levels_file()
    try:
        stat = path.stat()
    except OSError:
        return load_levels_file(path, known_evidence=set(QUERIES), numeric_evidence=NUMERIC)
    return _levels_policy_cached(str(path), stat.st_mtime_ns, stat.st_size,
                                 frozenset(QUERIES), frozenset(NUMERIC))


@lru_cache(maxsize=8)
def _levels_policy_cached(path: str, mtime_ns: int, size: int, known: frozenset[str],
                          numeric: frozenset[str]) -> domain.LevelsPolicy:
    return load_levels_file(Path(path), known_evidence=known, numeric_evidence=numeric)


def _invoked_as_check_levels() -> bool:
    return Path(sys.argv[0]).name == "flask" and "check-levels" in sys.argv[1:]


def startup_check(app: App) -> None:
    """Refuse to start with an invalid levels file, except for the command that reports the
    problems."""
    if _invoked_as_check_levels():
        return
    path = Path(app.config.get("COACHPROG_LEVELS_FILE") or DEFAULT_LEVELS_FILE)
    try:
        load_levels_file(path, known_evidence=set(QUERIES), numeric_evidence=NUMERIC)
    except LevelsInvalid as invalid:
        lines = "\n".join(f"{path}:{p}: {r}" for p, r in invalid.problems)
        raise RuntimeError(f"coachprog refuses to start: invalid levels file:\n{lines}\n"
                           "Run `flask --app wsgi certification check-levels`.") from None

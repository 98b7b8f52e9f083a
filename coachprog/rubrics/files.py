"""Rubric files on disk (COACHPROG_RUBRICS_DIR): the checks that need no database.

Policy: one file per rubric, named `<id>.yaml` (or `.yml`), holding that rubric's current
version; older versions live on in the database, where assessments keep pointing at them.
A directory with any invalid file is refused as a whole: the app does not start, `rubrics load`
writes nothing, and `rubrics check` lists every problem as `file:path: reason`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coachprog.rubrics.domain import Rubric
from coachprog.rubrics.schema import (
    MAX_FILE_BYTES,
    RubricInvalid,
    content_hash,
    load_rubric_bytes,
)

# One file per rubric, named after its id: letters, digits, '.', '-' and '_' only.
FILE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+\.ya?ml$")


@dataclass(frozen=True)
class FileProblem:
    """One problem with one file (or upload), at a path inside it (empty: the whole file)."""

    file: str
    path: str
    reason: str

    def describe(self) -> str:
        return f"{self.file}:{self.path}: {self.reason}"

    def short(self) -> str:
        """`path: reason`, for a page that already names the file."""
        return f"{self.path}: {self.reason}" if self.path else self.reason


@dataclass(frozen=True)
class RubricFile:
    """A valid rubric read from a file or an upload."""

    name: str  # how to name it to people: "rubrics/interview.yaml" or the upload's name
    rubric: Rubric
    content: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class DirectoryCheck:
    files: tuple[RubricFile, ...]
    problems: tuple[FileProblem, ...]


def display_name(path: Path) -> str:
    """The path relative to the working directory when it lies below it (as editors show)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_rubric(name: str, data: bytes) -> RubricFile:
    """Validate one file's bytes; raises RubricInvalid."""
    rubric, content = load_rubric_bytes(data)
    return RubricFile(name, rubric, content, content_hash(content))


def problems_of(name: str, invalid: RubricInvalid) -> list[FileProblem]:
    return [FileProblem(name, path, reason) for path, reason in invalid.problems]


def check_rubric_directory(directory: Path) -> DirectoryCheck:
    """Every file's own problems, plus names that break the one-file-per-rubric rule."""
    shown_dir = display_name(directory)
    if not directory.is_dir():
        return DirectoryCheck((), (FileProblem(shown_dir, "", "no such directory"),))
    files: list[RubricFile] = []
    problems: list[FileProblem] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in (".yaml", ".yml"):
            continue
        name = display_name(path)
        if not FILE_PATTERN.match(path.name):
            problems.append(FileProblem(name, "", "a rubric file name uses only letters, digits, "
                                                  "'.', '-' and '_' and ends in .yaml"))
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(FileProblem(name, "", f"the file is larger than "
                                                  f"{MAX_FILE_BYTES // 1024} KB"))
            continue
        try:
            found = read_rubric(name, path.read_bytes())
        except RubricInvalid as invalid:
            problems.extend(problems_of(name, invalid))
            continue
        if path.stem != found.rubric.id:
            problems.append(FileProblem(
                name, "id", f"the id {found.rubric.id!r} does not match the file name; "
                            f"name the file {found.rubric.id}.yaml (one file per rubric)"))
            continue
        files.append(found)
    problems.extend(_duplicates(files))
    duplicated = {p.file for p in problems}
    return DirectoryCheck(tuple(f for f in files if f.name not in duplicated), tuple(problems))


def _duplicates(files: Sequence[RubricFile]) -> list[FileProblem]:
    # With names tied to ids this only happens with x.yaml next to x.yml, but it must never
    # be silently resolved: which one is the rubric would depend on the order of a listing.
    first: dict[str, RubricFile] = {}
    problems: list[FileProblem] = []
    for found in files:
        key = found.rubric.id
        if key in first:
            problems.append(FileProblem(
                found.name, "id", f"rubric {key!r} (version {found.rubric.version}) is also "
                                  f"defined in {first[key].name}"))
        else:
            first[key] = found
    return problems


def invoked_as_rubrics_command(argv: Sequence[str] | None = None) -> bool:
    """Whether this process is `flask … rubrics …`: those commands report invalid files
    themselves (check lists them, load refuses them), so the app must start for them."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return False
    program = Path(argv[0])
    is_flask = program.name == "flask" or (program.name == "__main__.py"
                                           and program.parent.name == "flask")
    return is_flask and "rubrics" in argv[1:]


def startup_check(directory: Path) -> None:
    """Refuse to start with an invalid rubric file (no database needed, a few milliseconds).

    A missing directory is not an error here: an installation may use uploaded rubrics only,
    and `rubrics check` reports it.
    """
    if invoked_as_rubrics_command():
        return
    if not directory.is_dir():
        return
    check = check_rubric_directory(directory)
    if check.problems:
        lines = "\n".join(problem.describe() for problem in check.problems)
        raise RuntimeError(f"coachprog refuses to start: invalid rubric file(s) in "
                           f"{display_name(directory)}:\n{lines}\n"
                           "Fix them (see rubrics/README.md) and run "
                           "`flask --app wsgi rubrics check`.")

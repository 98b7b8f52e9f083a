"""The escalation-path file (`policy/escalation_paths.yaml`), validated with pydantic.

Like the rubric files, it is checked when the app starts and the app refuses to start on an
invalid file, naming every problem as `file:path: reason`. Every category that sensitive-topic
flags can raise (`recordings.sensitive.CATEGORIES`) must have a path, so a flag always becomes a
case with an owner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from flask import Flask, current_app
from pydantic import Field, ValidationError, model_validator

from coachprog.recordings.review.sensitive import CATEGORIES as FLAG_CATEGORIES
from coachprog.roles import Role
from coachprog.safeguarding.escalations.domain import (
    FLAG_REVIEWER,
    EscalationPath,
    PathBook,
    StepSpec,
)
from coachprog.validation import FileInvalid, model_problems, read_yaml
from coachprog.validation import StrictModel as _Strict

DEFAULT_FILE = Path(__file__).resolve().parents[3] / "policy" / "escalation_paths.yaml"
CONFIG_KEY = "COACHPROG_ESCALATION_PATHS"
EXTENSION_KEY = "coachprog.escalation_paths"
SLUG = r"^[a-z0-9][a-z0-9_]*$"
EMAIL = r"^[^@\s]+@[^@\s]+$"
MAX_FILE_BYTES = 64 * 1024


class StepModel(_Strict):
    key: Annotated[str, Field(pattern=SLUG, max_length=32)]
    title: Annotated[str, Field(min_length=5, max_length=300)]
    due_hours: Annotated[int, Field(ge=1, le=24 * 90)]


class VisibleTo(_Strict):
    roles: list[Role] = Field(default_factory=list)
    people: list[Annotated[str, Field(pattern=EMAIL, max_length=254)]] = Field(
        default_factory=list)


class PathModel(_Strict):
    label: Annotated[str, Field(min_length=3, max_length=100)]
    owner: Annotated[str, Field(max_length=254, description=(
        f"`{FLAG_REVIEWER}` (the coach's master coach) or an account's e-mail address"))]
    fallback_owner: Annotated[str, Field(pattern=EMAIL, max_length=254)]
    visible_to: VisibleTo = VisibleTo()
    steps: Annotated[list[StepModel], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _check(self) -> PathModel:
        if self.owner != FLAG_REVIEWER and "@" not in self.owner:
            raise ValueError(f"owner must be {FLAG_REVIEWER} or an e-mail address")
        keys = [step.key for step in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("two steps share a key")
        return self


class PathFile(_Strict):
    version: Annotated[int, Field(ge=1)]
    paths: dict[Annotated[str, Field(pattern=SLUG, max_length=32)], PathModel]

    @model_validator(mode="after")
    def _flag_categories(self) -> PathFile:
        missing = [c for c in FLAG_CATEGORIES if c not in self.paths]
        if missing:
            raise ValueError("no path for the flag categories " + ", ".join(missing)
                             + " (every sensitive-topic flag must become a case)")
        return self


class PathsInvalid(FileInvalid):
    """The escalation-path file refused."""


def parse_paths(data: Any) -> PathBook:
    """Validate a loaded document; raises PathsInvalid with (path, reason) pairs."""
    try:
        spec = PathFile.model_validate(data)
    except ValidationError as exc:
        raise PathsInvalid(model_problems(exc)) from None
    return PathBook(spec.version, tuple(
        EscalationPath(
            category=category, label=path.label, owner=path.owner.lower(),
            fallback_owner=path.fallback_owner.lower(),
            visible_roles=frozenset(role.value for role in path.visible_to.roles),
            visible_people=frozenset(email.lower() for email in path.visible_to.people),
            steps=tuple(StepSpec(s.key, s.title, s.due_hours) for s in path.steps))
        for category, path in spec.paths.items()))


def load_paths(path: Path) -> PathBook:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PathsInvalid([("", f"cannot read the file: {error.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise PathsInvalid([("", f"the file is over {MAX_FILE_BYTES} bytes")])
    try:
        data = read_yaml(raw)
    except yaml.YAMLError as error:
        raise PathsInvalid([("", f"not valid YAML: {error}")]) from None
    return parse_paths(data)


def init_app(app: Flask) -> None:
    """Load and check the file at start; refuse to start on an invalid one."""
    path = Path(app.config.get(CONFIG_KEY) or DEFAULT_FILE)
    try:
        book = load_paths(path)
    except PathsInvalid as invalid:
        lines = "\n".join(f"{path}:{p}: {r}" for p, r in invalid.problems)
        raise RuntimeError(f"coachprog refuses to start: invalid escalation-path file:\n{lines}"
                           "\nFix it (see docs/safeguarding.md).") from None
    app.extensions[EXTENSION_KEY] = book


def current_paths() -> PathBook:
    book: PathBook = current_app.extensions[EXTENSION_KEY]
    return book

"""Rubric versions: recording files and uploads, and looking them up.

Immutability policy: a (rubric id, version) may change only while no mark has used it; after
that, any edit must bump `version`. Unchanged content is a no-op, so loading is idempotent.
A version recorded from rubrics/ is never replaced by an upload or the other way round (each
would undo the other); the newcomer must use another id or a higher version. Everything is
checked before anything is written: a load or upload with any problem records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.utils import secure_filename

from coachprog.authority import SystemActor, require
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotFound
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.rubrics.files import (
    FileProblem,
    RubricFile,
    check_rubric_directory,
    problems_of,
    read_rubric,
)
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import RubricInvalid

UPLOAD_PREFIX = "upload:"


class RubricRejected(DomainError):  # noqa: N818
    """The files or upload had problems; nothing was recorded."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) found; nothing was recorded.")
        self.problems = list(problems)


class Outcome(StrEnum):
    RECORDED = "recorded"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass
class LoadSummary:
    recorded: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, label: str) -> None:
        getattr(self, outcome.value).append(label)

    def as_dict(self) -> dict[str, int]:
        return {"recorded": len(self.recorded), "replaced": len(self.replaced),
                "unchanged": len(self.unchanged)}


@dataclass(frozen=True)
class _Plan:
    found: RubricFile
    source: str
    existing: RubricVersion | None
    outcome: Outcome


def _kind(source: str) -> str:
    return "upload" if source.startswith(UPLOAD_PREFIX) else "file"


# Marks live in assessments (above rubrics): the packages that record marks against a rubric
# version register how to find the versions they used (`assessments.rubric_usage`, imported by
# create_app), so the immutability rule here never imports them.
VersionUsage = Callable[[Sequence[int] | None], set[int]]
_usage_sources: list[VersionUsage] = []


def register_version_usage(source: VersionUsage) -> VersionUsage:
    """Add a source of used versions: given version ids (None: all), those some mark used."""
    if source not in _usage_sources:
        _usage_sources.append(source)
    return source


def used_version_ids(version_ids: Sequence[int] | None = None) -> set[int]:
    """Versions that some mark has used: those can never change again."""
    if version_ids is not None and not version_ids:
        return set()
    used: set[int] = set()
    for source in _usage_sources:
        used |= source(version_ids)
    return used


def is_version_used(version: RubricVersion) -> bool:
    return bool(used_version_ids([version.id]))


def _existing(files: Sequence[RubricFile]) -> dict[tuple[str, int], RubricVersion]:
    keys = {f.rubric.id for f in files}
    if not keys:
        return {}
    rows = db.session.scalars(sa.select(RubricVersion).where(RubricVersion.rubric_key.in_(keys)))
    return {(row.rubric_key, row.version): row for row in rows}


def _plan(files: Sequence[RubricFile], source_of: dict[str, str]
          ) -> tuple[list[_Plan], list[FileProblem]]:
    """What recording `files` would do, and the immutability problems that forbid it."""
    existing = _existing(files)
    used = used_version_ids([row.id for row in existing.values()])
    latest: dict[str, int] = {}
    for key, version in existing:
        latest[key] = max(latest.get(key, 0), version)
    plans: list[_Plan] = []
    problems: list[FileProblem] = []
    for found in files:
        key, version = found.rubric.id, found.rubric.version
        source = source_of[found.name]
        row = existing.get((key, version))
        if row is None:
            plans.append(_Plan(found, source, None, Outcome.RECORDED))
        elif row.content_hash == found.content_hash:
            plans.append(_Plan(found, source, row, Outcome.UNCHANGED))
        elif _kind(row.source) != _kind(source):
            problems.append(FileProblem(
                found.name, "version",
                f"{key} v{version} is already recorded from {row.source} with other content; "
                f"use another id or bump `version` to {latest[key] + 1}"))
        elif row.id in used:
            problems.append(FileProblem(
                found.name, "version",
                f"{found.name} changes {key} v{version}, which has been used to score "
                f"assessments and can never change; bump `version` to {latest[key] + 1}"))
        else:
            plans.append(_Plan(found, source, row, Outcome.REPLACED))
    return plans, problems


def _apply(actor: Any, plan: _Plan) -> RubricVersion:
    found, rubric = plan.found, plan.found.rubric
    detail = {"rubric": rubric.id, "version": rubric.version, "source": plan.source,
              "content_hash": found.content_hash}
    uploaded_by_id = None if isinstance(actor, SystemActor) else getattr(actor, "id", None)
    row = plan.existing
    if plan.outcome is Outcome.UNCHANGED:
        assert row is not None  # noqa: S101 - the plan says so
        return row
    if row is None:
        row = RubricVersion(rubric_key=rubric.id, version=rubric.version)
        db.session.add(row)
        action = "rubric.version_recorded"
    else:
        detail["previous_hash"] = row.content_hash
        action = "rubric.version_replaced"
    row.title = rubric.title
    row.purpose = rubric.purpose.value
    row.content = found.content
    row.content_hash = found.content_hash
    row.source = plan.source[:300]
    row.loaded_at = utcnow()
    row.uploaded_by_id = uploaded_by_id if _kind(plan.source) == "upload" else None
    db.session.flush()
    audit.record(action, actor=actor, object_type="rubric_version", object_id=row.id,
                 detail=detail)
    return row


def _file_source(found: RubricFile) -> str:
    return f"rubrics/{Path(found.name).name}"


def check_recorded_versions(actor: Any, files: Sequence[RubricFile]) -> list[FileProblem]:
    """The immutability problems loading `files` would meet (reads only)."""
    require(actor, "can_load_rubrics")
    _, problems = _plan(files, {f.name: _file_source(f) for f in files})
    return problems


def load_rubric_files(actor: Any, directory: Path | None = None) -> LoadSummary:
    """Record every rubric file of `directory` (default COACHPROG_RUBRICS_DIR), all or none."""
    require(actor, "can_load_rubrics")
    directory = directory or current_app.config["COACHPROG_RUBRICS_DIR"]
    check = check_rubric_directory(directory)
    plans, problems = _plan(check.files, {f.name: _file_source(f) for f in check.files})
    problems = [*check.problems, *problems]
    if problems:
        raise RubricRejected(problems)
    summary = LoadSummary()
    for plan in plans:
        _apply(actor, plan)
        summary.add(plan.outcome, f"{plan.found.rubric.id} v{plan.found.rubric.version}")
    return summary


@dataclass(frozen=True)
class UploadResult:
    version: RubricVersion
    outcome: Outcome


def upload_rubric(actor: Any, filename: str, data: bytes) -> UploadResult:
    """Record an admin's rubric file: validated like rubrics/ files, same immutability rule."""
    require(actor, "can_upload_rubric")
    name = secure_filename(filename or "") or "rubric.yaml"
    try:
        found = read_rubric(name, data)
    except RubricInvalid as invalid:
        raise RubricRejected(problems_of(name, invalid)) from None
    plans, problems = _plan([found], {name: f"{UPLOAD_PREFIX}{name}"})
    if problems:
        raise RubricRejected(problems)
    (plan,) = plans
    return UploadResult(_apply(actor, plan), plan.outcome)


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricOverview:
    """One rubric: its latest version and the older ones still on record."""

    latest: RubricVersion
    older: tuple[RubricVersion, ...]


def list_rubric_versions(actor: Any, *, purpose: str | None = None,
                         key: str | None = None) -> list[RubricVersion]:
    """Every recorded version, by rubric id then newest version first."""
    require(actor, "can_view_rubrics")
    query = sa.select(RubricVersion)
    if purpose:
        query = query.where(RubricVersion.purpose == purpose)
    if key:
        query = query.where(RubricVersion.rubric_key == key)
    return list(db.session.scalars(
        query.order_by(RubricVersion.rubric_key, RubricVersion.version.desc())))


def list_rubrics(actor: Any, *, purpose: str | None = None) -> list[RubricOverview]:
    overviews: dict[str, list[RubricVersion]] = {}
    for version in list_rubric_versions(actor, purpose=purpose):
        overviews.setdefault(version.rubric_key, []).append(version)
    return [RubricOverview(versions[0], tuple(versions[1:])) for versions in overviews.values()]


def get_rubric_version(actor: Any, key: str, version: int) -> RubricVersion:
    require(actor, "can_view_rubrics")
    row = db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == key, RubricVersion.version == version))
    if row is None:
        raise NotFound("rubric version")
    return row

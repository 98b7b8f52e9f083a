"""The certification levels file (rubrics/certification/levels.yaml), validated with pydantic.

Policy (issue 8): level criteria live in one versioned file. Each criterion names its evidence
query (a registered function, `coachprog.certification.levels.evidence`); a name that is not
registered is an error, as is a numeric query without its minimum. The app refuses to start on
an invalid file, and `flask --app wsgi certification check-levels` lists every problem as
`file:path: reason` (the same shape as `rubrics check`).

The file sits in a folder of its own below rubrics/ because every `*.yaml` directly in rubrics/
is read as a rubric.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from coachprog.certification import domain
from coachprog.validation import FileInvalid, model_problems, read_yaml
from coachprog.validation import StrictModel as _Strict

SLUG = r"^[a-z0-9][a-z0-9_]*$"
DEFAULT_LEVELS_FILE = (Path(__file__).resolve().parents[3]
                       / "rubrics" / "certification" / "levels.yaml")
MAX_FILE_BYTES = 64 * 1024


class CriterionModel(_Strict):
    key: Annotated[str, Field(pattern=SLUG, max_length=64)]
    label: Annotated[str, Field(min_length=3, max_length=200)]
    evidence: Annotated[str, Field(pattern=SLUG, max_length=64,
                                   description="The name of a registered evidence query.")]
    minimum: Annotated[float | None, Field(ge=0, description="For numeric evidence.")] = None
    params: dict[str, int | float | str] = Field(default_factory=dict)


def _unique_keys(criteria: list[CriterionModel]) -> list[CriterionModel]:
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        if criterion.key in seen:
            raise ValueError(f"criterion {index}: the key {criterion.key!r} is used twice")
        seen.add(criterion.key)
    return criteria


class LevelModel(_Strict):
    id: domain.Level
    name: Annotated[str, Field(min_length=3, max_length=100)]
    requires: domain.Level | None = None
    criteria: Annotated[list[CriterionModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _keys(self) -> LevelModel:
        _unique_keys(self.criteria)
        return self


class RecertificationModel(_Strict):
    cycle_months: Annotated[int, Field(ge=domain.MIN_CYCLE_MONTHS, le=domain.MAX_CYCLE_MONTHS)] \
        = domain.DEFAULT_CYCLE_MONTHS
    reminder_days: Annotated[list[Annotated[int, Field(ge=1, le=365)]], Field(min_length=1)] \
        = Field(default_factory=lambda: list(domain.DEFAULT_REMINDER_DAYS))
    rubric: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64,
                                 description="The rubric id the evidence review is scored "
                                             "with (purpose recertification).")]
    criteria: Annotated[list[CriterionModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _keys(self) -> RecertificationModel:
        _unique_keys(self.criteria)
        if len(set(self.reminder_days)) != len(self.reminder_days):
            raise ValueError("reminder_days lists a day twice")
        return self


class LevelsModel(_Strict):
    version: Annotated[int, Field(ge=1)]
    levels: Annotated[list[LevelModel], Field(min_length=1)]
    recertification: RecertificationModel

    @model_validator(mode="after")
    def _levels(self) -> LevelsModel:
        ids = [level.id for level in self.levels]
        if len(set(ids)) != len(ids):
            raise ValueError("a level is defined twice")
        for level in self.levels:
            if level.requires is not None and level.requires not in ids:
                raise ValueError(f"{level.id.value} requires {level.requires.value}, which is "
                                 f"not defined")
            if level.requires == level.id:
                raise ValueError(f"{level.id.value} requires itself")
        return self


class LevelsInvalid(FileInvalid):
    """The levels file refused."""


def _criterion(model: CriterionModel) -> domain.CriterionSpec:
    return domain.CriterionSpec(key=model.key, label=model.label, evidence=model.evidence,
                                minimum=model.minimum, params=dict(model.params))


def _evidence_problems(model: LevelsModel, known: Collection[str],
                       numeric: Collection[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    groups: list[tuple[str, list[CriterionModel]]] = [
        (f"levels.{i}.criteria", level.criteria) for i, level in enumerate(model.levels)]
    groups.append(("recertification.criteria", model.recertification.criteria))
    for prefix, criteria in groups:
        for j, criterion in enumerate(criteria):
            if criterion.evidence not in known:
                problems.append((f"{prefix}.{j}.evidence",
                                 f"no evidence query is named {criterion.evidence!r} "
                                 f"(known: {', '.join(sorted(known))})"))
            elif criterion.evidence in numeric and criterion.minimum is None:
                problems.append((f"{prefix}.{j}.minimum",
                                 f"{criterion.evidence} is a number: give its minimum"))
    return problems


def parse_levels(data: Any, *, known_evidence: Collection[str],
                 numeric_evidence: Collection[str] = ()) -> domain.LevelsPolicy:
    """The policy from a parsed YAML document, or LevelsInvalid with every problem."""
    try:
        model = LevelsModel.model_validate(data)
    except ValidationError as exc:
        raise LevelsInvalid(model_problems(exc)) from None
    problems = _evidence_problems(model, known_evidence, numeric_evidence)
    if problems:
        raise LevelsInvalid(problems)
    recert = model.recertification
    return domain.LevelsPolicy(
        version=model.version,
        levels=tuple(domain.LevelSpec(id=level.id.value, name=level.name,
                                      requires=level.requires.value if level.requires else None,
                                      criteria=tuple(_criterion(c) for c in level.criteria))
                     for level in model.levels),
        recertification=domain.RecertificationSpec(
            cycle_months=recert.cycle_months,
            reminder_days=tuple(sorted(recert.reminder_days, reverse=True)),
            rubric=recert.rubric,
            criteria=tuple(_criterion(c) for c in recert.criteria)))


def load_levels_file(path: Path, *, known_evidence: Collection[str],
                     numeric_evidence: Collection[str] = ()) -> domain.LevelsPolicy:
    if not path.is_file():
        raise LevelsInvalid([("", "no such file")])
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise LevelsInvalid([("", f"the file is larger than {MAX_FILE_BYTES // 1024} KB")])
    try:
        document = read_yaml(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LevelsInvalid([("", f"not a YAML document: {exc}")]) from None
    return parse_levels(document, known_evidence=known_evidence,
                        numeric_evidence=numeric_evidence)

"""The file format of the published policy (policy/use_cases.yaml, policy/data_use.yaml),
validated with pydantic; problems come back as (path, reason), like the rubric files.

A prohibited row says either which code `guard` refuses it or why it is `not_possible`; the
other categories carry neither. Ids are unique within a file.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from coachprog.policy import domain
from coachprog.validation import (
    FileInvalid,
    UniqueKeyLoader,
    file_text,
    load_yaml,
    model_problems,
)
from coachprog.validation import StrictModel as _Strict

SLUG = r"^[a-z0-9][a-z0-9-]*$"
GUARD_ID = r"^[a-z][a-z_]*\.[a-z][a-z0-9_]*$"
MAX_FILE_BYTES = 256 * 1024
Text = Annotated[str, Field(min_length=3, max_length=2000)]


class PolicyInvalid(FileInvalid):
    """A policy file refused."""


class UseCaseSpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    use: Text
    category: Literal["permitted", "permitted_with_controls", "human_decision_required",
                      "prohibited"]
    controls: list[Text] = Field(default_factory=list)
    guard: Annotated[str | None, Field(pattern=GUARD_ID, max_length=64,
                                       description="Prohibited rows the system could do: "
                                                   "the registered guard that refuses it.")] = None
    not_possible: Annotated[str | None, Field(min_length=10, max_length=2000)] = None

    @model_validator(mode="after")
    def _guard_fits_category(self) -> UseCaseSpec:
        if self.category == "prohibited":
            if bool(self.guard) == bool(self.not_possible):
                raise ValueError("a prohibited row names its guard, or says why it is "
                                 "not_possible (one of the two)")
        elif self.guard or self.not_possible:
            raise ValueError("only prohibited rows name a guard or say not_possible")
        elif self.category == "permitted_with_controls" and not self.controls:
            raise ValueError("a row permitted with controls lists its controls")
        return self


class _Document(_Strict):
    version: Annotated[int, Field(ge=1)]
    effective: date
    title: Text
    summary: Text


class UseCaseMatrixSpec(_Document):
    id: Literal["use-cases"]
    rows: Annotated[list[UseCaseSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> UseCaseMatrixSpec:
        _check_unique([row.id for row in self.rows], "rows")
        return self


class RetentionSpec(_Strict):
    kept: Annotated[str, Field(max_length=500)] = ""
    days: Annotated[int | None, Field(ge=0, le=36500)] = None
    hours: Annotated[int | None, Field(ge=0, le=100000)] = None
    after: Annotated[str, Field(max_length=300)] = ""
    setting: Annotated[str | None, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$",
                                         max_length=120)] = None
    job: Annotated[str | None, Field(pattern=SLUG, max_length=64)] = None

    @model_validator(mode="after")
    def _period_or_words(self) -> RetentionSpec:
        periods = [p for p in (self.days, self.hours) if p is not None]
        if len(periods) > 1:
            raise ValueError("give the period in days or in hours, not both")
        if not periods and not self.kept:
            raise ValueError("say how long it is kept: days, hours or `kept` in words")
        if periods and not self.setting:
            raise ValueError("a period that code enforces names its `setting`")
        return self


class DataKindSpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    name: Annotated[str, Field(min_length=3, max_length=200)]
    collected: Text
    purpose: Text
    seen_by: Annotated[list[Annotated[str, Field(min_length=3, max_length=300)]],
                       Field(min_length=1)]
    retention: RetentionSpec


class DataUsePolicySpec(_Document):
    id: Literal["data-use"]
    # Policy: everything is processed on the organisation's own servers.
    processed_where: Literal["local"]
    processing_note: Text
    kinds: Annotated[list[DataKindSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> DataUsePolicySpec:
        _check_unique([kind.id for kind in self.kinds], "kinds")
        return self


def _check_unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ValueError(f"{where}: the id {value!r} is used twice")
        seen.add(value)


class _UniqueKeyLoader(UniqueKeyLoader):
    duplicate_key = "the key {key!r} appears twice"


def _load_yaml(data: bytes) -> Any:
    return load_yaml(file_text(data, MAX_FILE_BYTES, PolicyInvalid), PolicyInvalid,
                     _UniqueKeyLoader)


def _validate(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise PolicyInvalid([("", "a policy file holds one YAML mapping (id, version, ...)")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PolicyInvalid(model_problems(exc)) from None


def load_use_cases(data: bytes) -> domain.UseCaseMatrix:
    spec: UseCaseMatrixSpec = _validate(UseCaseMatrixSpec, _load_yaml(data))
    return domain.UseCaseMatrix(
        version=spec.version, effective=spec.effective, title=spec.title, summary=spec.summary,
        rows=tuple(domain.UseCase(id=row.id, use=row.use, category=domain.Category(row.category),
                                  controls=tuple(row.controls), guard=row.guard,
                                  not_possible=row.not_possible)
                   for row in spec.rows))


def load_data_use(data: bytes) -> domain.DataUsePolicy:
    spec: DataUsePolicySpec = _validate(DataUsePolicySpec, _load_yaml(data))
    return domain.DataUsePolicy(
        version=spec.version, effective=spec.effective, title=spec.title, summary=spec.summary,
        processed_where=spec.processed_where, processing_note=spec.processing_note,
        kinds=tuple(domain.DataKind(
            id=kind.id, name=kind.name, collected=kind.collected, purpose=kind.purpose,
            seen_by=tuple(kind.seen_by),
            retention=domain.Retention(**kind.retention.model_dump()))
            for kind in spec.kinds))

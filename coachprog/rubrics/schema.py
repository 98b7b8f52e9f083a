"""The rubric file format (rubrics/*.yaml), validated with pydantic; see rubrics/README.md.

`load_rubric_text` turns a YAML document into the domain `Rubric`, or raises `RubricInvalid`
with every problem as (path, reason), e.g. ("competencies.2.behaviours.0.anchors", "level 4 has
no anchor"), so `flask rubrics check` can print `file:path: reason`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coachprog.rubrics.domain import (
    Behaviour,
    Competency,
    PassRules,
    Purpose,
    Rubric,
    ScaleKind,
)

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
Fraction = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BehaviourSpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    description: Annotated[str, Field(min_length=10, max_length=1000)]
    scale: Literal["binary", "1-5"]
    anchors: dict[int, Annotated[str, Field(min_length=3, max_length=1000)]] | None = None
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    non_negotiable: bool = False
    met_at: Annotated[int, Field(ge=1, le=5)] | None = None

    @model_validator(mode="after")
    def _anchors_match_scale(self) -> BehaviourSpec:
        if self.scale == "1-5":
            levels = set(self.anchors or {})
            missing = [level for level in (1, 2, 3, 4, 5) if level not in levels]
            if missing:
                raise ValueError("a 1-5 behaviour needs an anchor for every level; missing "
                                 + ", ".join(map(str, missing)))
            extra = sorted(levels - {1, 2, 3, 4, 5})
            if extra:
                raise ValueError(f"anchors only for levels 1-5, not {extra}")
        else:
            if self.anchors:
                raise ValueError("a binary behaviour has no anchors (it is present or absent)")
            if self.met_at is not None:
                raise ValueError("met_at applies to 1-5 behaviours only")
        if self.met_at is not None and not self.non_negotiable:
            raise ValueError("met_at only applies to a non_negotiable behaviour")
        return self


class CompetencySpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    minimum: Fraction | None = None
    behaviours: Annotated[list[BehaviourSpec], Field(min_length=1)]


class PassRulesSpec(_Strict):
    overall_threshold: Fraction
    competency_minimum: Fraction = 0.0
    non_negotiables_required: bool = True


class RubricSpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    version: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    purpose: Literal["interview", "simulation", "session_review", "capstone", "audit",
                     "recertification"]
    description: Annotated[str, Field(max_length=4000)] = ""
    competencies: Annotated[list[CompetencySpec], Field(min_length=1)]
    pass_rules: PassRulesSpec

    @model_validator(mode="after")
    def _ids_are_unique(self) -> RubricSpec:
        seen_competencies: set[str] = set()
        seen_behaviours: set[str] = set()
        for competency in self.competencies:
            if competency.id in seen_competencies:
                raise ValueError(f"competency id {competency.id!r} is used twice")
            seen_competencies.add(competency.id)
            for behaviour in competency.behaviours:
                if behaviour.id in seen_behaviours:
                    raise ValueError(f"behaviour id {behaviour.id!r} is used twice")
                seen_behaviours.add(behaviour.id)
        return self


class RubricInvalid(ValueError):  # noqa: N818
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {reason}" if path else reason
                                   for path, reason in problems))
        self.problems = problems


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def parse_rubric_document(data: Any) -> RubricSpec:
    try:
        return RubricSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append((_path(error["loc"]), message))
        raise RubricInvalid(problems) from None


def load_rubric_text(text: str) -> tuple[Rubric, dict[str, Any]]:
    """The domain rubric and its canonical content (what is stored and hashed)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise RubricInvalid([(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise RubricInvalid([("", "a rubric file holds one YAML mapping (id, version, ...)")])
    spec = parse_rubric_document(data)
    content = spec.model_dump(mode="json", exclude_none=True)
    return rubric_from_content(content), content


def rubric_from_content(content: dict[str, Any]) -> Rubric:
    """Rebuild the domain rubric from stored canonical content."""
    spec = RubricSpec.model_validate(content)
    return Rubric(
        id=spec.id,
        version=spec.version,
        title=spec.title,
        purpose=Purpose(spec.purpose),
        description=spec.description,
        competencies=tuple(
            Competency(
                id=c.id,
                title=c.title,
                minimum=c.minimum,
                behaviours=tuple(
                    Behaviour(
                        id=b.id,
                        description=b.description,
                        scale=ScaleKind(b.scale),
                        anchors=dict(sorted((b.anchors or {}).items())),
                        weight=b.weight,
                        non_negotiable=b.non_negotiable,
                        met_at=b.met_at or 3,
                    )
                    for b in c.behaviours
                ),
            )
            for c in spec.competencies
        ),
        pass_rules=PassRules(
            overall_threshold=spec.pass_rules.overall_threshold,
            competency_minimum=spec.pass_rules.competency_minimum,
            non_negotiables_required=spec.pass_rules.non_negotiables_required,
        ),
    )


def content_hash(content: dict[str, Any]) -> str:
    """A fingerprint of what scores depend on: formatting and comments do not count."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


FILE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+\.ya?ml$")


def rubric_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and FILE_PATTERN.match(p.name))

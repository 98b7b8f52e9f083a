"""The rubric file format (rubrics/*.yaml), validated with pydantic; see rubrics/README.md.

`load_rubric_text` turns a YAML document into the domain `Rubric`, or raises `RubricInvalid`
with every problem as (path, reason), e.g. ("competencies.2.behaviours.0.anchors", "level 4 has
no anchor"), so `flask rubrics check` can print `file:path: reason`. `rubrics/schema.json` is
generated from `RubricSpec` (`rubric_json_schema`); a test keeps the committed copy current.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from coachprog.rubrics.domain import (
    Behaviour,
    Competency,
    PassRules,
    Purpose,
    Rubric,
    ScaleKind,
)
from coachprog.validation import FileInvalid, file_text, load_yaml
from coachprog.validation import StrictModel as _Strict

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
Fraction = Annotated[float, Field(ge=0, le=1)]
MAX_FILE_BYTES = 256 * 1024  # a rubric is a few KB; anything larger is a mistake or abuse


class FieldProblem(ValueError):  # noqa: N818 - a located validation message
    """A cross-field rule broken at a precise place below the model being validated."""

    def __init__(self, location: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.location = location


class BehaviourSpec(_Strict):
    """One observable behaviour, scored `binary` (absent/present) or `1-5` with anchors."""

    id: Annotated[str, Field(pattern=SLUG, max_length=64,
                             description="Unique within the rubric; lower case, digits, - and _.")]
    description: Annotated[str, Field(min_length=10, max_length=1000,
                                      description="What a rater can see or hear.")]
    scale: Annotated[Literal["binary", "1-5"], Field(
        description="`binary`: absent (0) / present (1); `1-5`: levels with an anchor each.")]
    anchors: Annotated[
        dict[int, Annotated[str, Field(min_length=3, max_length=1000)]] | None,
        Field(description="1-5 only: a behavioural anchor for every level 1..5."),
    ] = None
    weight: Annotated[float, Field(gt=0, le=100,
                                   description="Relative weight in competency and overall "
                                               "scores (default 1).")] = 1.0
    non_negotiable: Annotated[bool, Field(
        description="When true, the assessment fails unless this behaviour is met.")] = False
    met_at: Annotated[int | None, Field(
        ge=1, le=5, description="1-5 non-negotiables: the lowest level that counts as met "
                                "(default 3).")] = None

    @model_validator(mode="after")
    def _anchors_match_scale(self) -> BehaviourSpec:
        if self.scale == "1-5":
            levels = set(self.anchors or {})
            missing = [level for level in (1, 2, 3, 4, 5) if level not in levels]
            if missing:
                raise FieldProblem(("anchors",),
                                   "a 1-5 behaviour needs an anchor for every level; missing "
                                   + ", ".join(map(str, missing)))
            extra = sorted(levels - {1, 2, 3, 4, 5})
            if extra:
                raise FieldProblem(("anchors",), "anchors only for levels 1-5, not "
                                   + ", ".join(map(str, extra)))
        else:
            if self.anchors:
                raise FieldProblem(("anchors",),
                                   "a binary behaviour has no anchors (it is present or absent)")
            if self.met_at is not None:
                raise FieldProblem(("met_at",), "met_at applies to 1-5 behaviours only")
        if self.met_at is not None and not self.non_negotiable:
            raise FieldProblem(("met_at",), "met_at only applies to a non_negotiable behaviour")
        return self


class CompetencySpec(_Strict):
    """A competency groups behaviours; its score is their weighted mean (0–1)."""

    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    minimum: Annotated[Fraction | None, Field(
        description="Overrides pass_rules.competency_minimum for this competency.")] = None
    behaviours: Annotated[list[BehaviourSpec], Field(min_length=1)]


class PassRulesSpec(_Strict):
    """An assessment passes when all three rules hold."""

    overall_threshold: Annotated[Fraction, Field(
        description="The overall weighted score (0–1) must reach this.")]
    competency_minimum: Annotated[Fraction, Field(
        description="Every competency score must reach this (unless it sets `minimum`).")] = 0.0
    non_negotiables_required: Annotated[bool, Field(
        description="Every non_negotiable behaviour must be met.")] = True


class RubricSpec(_Strict):
    """A behavioural rubric: one file in rubrics/, or an admin's upload."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              title="coachprog rubric")

    id: Annotated[str, Field(pattern=SLUG, max_length=64,
                             description="Stable key of the rubric across versions; the file "
                                         "in rubrics/ is named <id>.yaml.")]
    version: Annotated[int, Field(ge=1, description="Bump it for any change once a version "
                                                    "has been used to score.")]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    purpose: Literal["interview", "simulation", "session_review", "capstone", "audit",
                     "recertification"]
    description: Annotated[str, Field(max_length=4000)] = ""
    competencies: Annotated[list[CompetencySpec], Field(min_length=1)]
    pass_rules: PassRulesSpec

    @model_validator(mode="after")
    def _ids_are_unique(self) -> RubricSpec:
        seen_competencies: dict[str, int] = {}
        seen_behaviours: dict[str, tuple[int, int]] = {}
        for c_index, competency in enumerate(self.competencies):
            if competency.id in seen_competencies:
                raise FieldProblem(
                    ("competencies", c_index, "id"),
                    f"competency id {competency.id!r} is already used by competencies."
                    f"{seen_competencies[competency.id]}")
            seen_competencies[competency.id] = c_index
            for b_index, behaviour in enumerate(competency.behaviours):
                if behaviour.id in seen_behaviours:
                    first = ".".join(map(str, seen_behaviours[behaviour.id]))
                    raise FieldProblem(
                        ("competencies", c_index, "behaviours", b_index, "id"),
                        f"behaviour id {behaviour.id!r} is already used by "
                        f"competencies.{first.replace('.', '.behaviours.', 1)}")
                seen_behaviours[behaviour.id] = (c_index, b_index)
        return self


class RubricInvalid(FileInvalid):
    """A rubric file refused."""


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def parse_rubric_document(data: Any) -> RubricSpec:
    try:
        return RubricSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, FieldProblem):
                location = (*location, *cause.location)
                message = str(cause)
            else:
                message = str(error["msg"]).removeprefix("Value error, ")
            problems.append((_path(location), message))
        raise RubricInvalid(problems) from None


def load_rubric_text(text: str) -> tuple[Rubric, dict[str, Any]]:
    """The domain rubric and its canonical content (what is stored and hashed)."""
    data = load_yaml(text, RubricInvalid)
    if not isinstance(data, dict):
        raise RubricInvalid([("", "a rubric file holds one YAML mapping (id, version, ...)")])
    spec = parse_rubric_document(data)
    content = spec.model_dump(mode="json", exclude_none=True)
    return rubric_from_content(content), content


def load_rubric_bytes(data: bytes) -> tuple[Rubric, dict[str, Any]]:
    """As `load_rubric_text`, for a file's bytes: UTF-8 and at most MAX_FILE_BYTES."""
    return load_rubric_text(file_text(data, MAX_FILE_BYTES, RubricInvalid))


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


def rubric_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rubric file, as committed in rubrics/schema.json."""
    schema = RubricSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": "Generated from coachprog.rubrics.schema.RubricSpec; do not edit. "
                        "Regenerate with `flask --app wsgi rubrics schema > rubrics/schema.json`.",
            **schema}


def rubric_json_schema_text() -> str:
    return json.dumps(rubric_json_schema(), indent=2, ensure_ascii=False) + "\n"

"""/api/v1/rubrics resources: recorded rubric versions, and one version in full."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import OneOf
from flask import url_for

from coachprog.api import current_api_user, operation
from coachprog.api.lists import items
from coachprog.api.schemas import listing
from coachprog.rubrics import services
from coachprog.rubrics.domain import Purpose, Rubric
from coachprog.rubrics.models import RubricVersion


class RubricVersionOut(Schema):
    key = String(metadata={"description": "The rubric's id, stable across versions."})
    version = Integer()
    title = String()
    purpose = String()
    content_hash = String(metadata={"description": "SHA-256 of the canonical content."})
    source = String(metadata={"description": "`rubrics/<file>` or `upload:<file name>`."})
    loaded_at = DateTime()
    used = Boolean(metadata={"description": "Some score uses this version: it never changes."})
    competency_count = Integer()
    behaviour_count = Integer()
    url = String(metadata={"description": "This version in full."})


RubricVersionList = listing("RubricVersionList", RubricVersionOut)


class RubricQueryIn(Schema):
    purpose = String(load_default=None, validate=OneOf([p.value for p in Purpose]))
    latest = Boolean(load_default=False,
                     metadata={"description": "Only the latest version of each rubric."})


class BehaviourOut(Schema):
    id = String()
    description = String()
    scale = String(metadata={"description": "`binary` (0 absent, 1 present) or `1-5`."})
    anchors = Dict(keys=String(), values=String(),
                   metadata={"description": "1-5 only: level (\"1\"…\"5\") → anchor text."})
    weight = Float()
    non_negotiable = Boolean()
    met_at = Integer(allow_none=True, metadata={
        "description": "1-5 non-negotiables: the lowest level that counts as met."})


class CompetencyOut(Schema):
    id = String()
    title = String()
    minimum = Float(metadata={"description": "The minimum score (0–1) that applies."})
    behaviours = List(Nested(BehaviourOut))


class PassRulesOut(Schema):
    overall_threshold = Float()
    competency_minimum = Float()
    non_negotiables_required = Boolean()


class RubricVersionDetailOut(RubricVersionOut):
    description = String()
    pass_rules = Nested(PassRulesOut)
    competencies = List(Nested(CompetencyOut))


def _summary(row: RubricVersion, rubric: Rubric, used: set[int]) -> dict[str, Any]:
    return {
        "key": row.rubric_key, "version": row.version, "title": row.title,
        "purpose": row.purpose, "content_hash": row.content_hash, "source": row.source,
        "loaded_at": row.loaded_at, "used": row.id in used,
        "competency_count": len(rubric.competencies),
        "behaviour_count": len(rubric.behaviours),
        "url": url_for("api.get_rubric_version", key=row.rubric_key, version=row.version),
    }


@operation("GET", "/rubrics", query=RubricQueryIn, out=RubricVersionList,
           summary="List rubric versions", tags=["rubrics"], responses=[403])
def list_rubric_versions(query: dict[str, Any]) -> Any:
    actor = current_api_user()
    if query["latest"]:
        rows = [o.latest for o in services.list_rubrics(actor, purpose=query["purpose"])]
    else:
        rows = services.list_rubric_versions(actor, purpose=query["purpose"])
    used = services.used_version_ids([row.id for row in rows])
    return items(rows, lambda row: _summary(row, row.to_domain(), used))


@operation("GET", "/rubrics/<key>/versions/<int:version>", out=RubricVersionDetailOut,
           summary="One rubric version with its full structure", tags=["rubrics"],
           responses=[403, 404])
def get_rubric_version(key: str, version: int) -> Any:
    row = services.get_rubric_version(current_api_user(), key, version)
    rubric = row.to_domain()
    body = _summary(row, rubric, services.used_version_ids([row.id]))
    body["description"] = rubric.description
    body["pass_rules"] = {
        "overall_threshold": rubric.pass_rules.overall_threshold,
        "competency_minimum": rubric.pass_rules.competency_minimum,
        "non_negotiables_required": rubric.pass_rules.non_negotiables_required,
    }
    body["competencies"] = [
        {"id": c.id, "title": c.title, "minimum": rubric.minimum_for(c),
         "behaviours": [
             {"id": b.id, "description": b.description, "scale": b.scale.value,
              "anchors": {str(level): text for level, text in b.anchors.items()},
              "weight": b.weight, "non_negotiable": b.non_negotiable,
              "met_at": b.met_at if b.non_negotiable and b.scale.value == "1-5" else None}
             for b in c.behaviours]}
        for c in rubric.competencies
    ]
    return body

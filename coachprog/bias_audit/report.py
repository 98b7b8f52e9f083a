"""The bias audit as plain data (JSON for `governance bias-audit --json`): aggregates only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from coachprog.bias_audit.services import BiasAudit


def as_dict(audit: BiasAudit) -> dict[str, Any]:
    return {
        "quarter": audit.quarter,
        "from": audit.start.isoformat(),
        "until": audit.end.isoformat(),
        "suppression": "Groups with fewer than 5 people are withheld (null), with any group "
                       "that would give them away; once withheld, a group stays withheld at "
                       "the later stages of its section.",
        "sections": [{
            "key": part.key,
            "title": part.title,
            "explanation": part.explanation,
            "tables": [{
                "transition": table.transition,
                "attribute": table.attribute,
                "reference": table.reference,
                "explanation": table.explanation,
                "groups": [{
                    "label": row.label, "kind": row.kind.value, "suppressed": row.suppressed,
                    "entered": row.entered, "passed": row.passed, "rate": row.rate,
                    "impact_ratio": row.impact_ratio, "p_value": row.p_value,
                    "below_four_fifths": row.below_four_fifths,
                } for row in table.rows],
            } for table in part.report.tables],
        } for part in audit.sections],
        "coaching_volumes": {attribute: [asdict(row) for row in rows]
                             for attribute, rows in audit.volumes.items()},
        "rater_severity": {attribute: [asdict(row) for row in rows]
                           for attribute, rows in audit.severity.items()},
        "significant_gaps": [asdict(gap) for gap in audit.gaps],
        "reviews": {"open": audit.reviews.open, "closed": audit.reviews.closed},
    }

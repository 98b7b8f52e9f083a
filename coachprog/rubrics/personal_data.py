"""Rubrics in a person's data (issue 24): the rubric versions they uploaded.

Erasure changes nothing here: a version refers to its uploader by account id only, and the
account itself is pseudonymised.
"""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import (
    ErasureContext,
    Subject,
    export_rows,
    register_section,
    subject_filter,
    table,
)


def export(subject: Subject) -> dict[str, Any]:
    # The rubric's content is the program's, not the person's: who uploaded which version.
    return {"rubric_versions": export_rows(
        "rubric_versions", subject_filter(table("rubric_versions"), subject),
        omit=("content",))}


def erase(ctx: ErasureContext) -> None:
    return None


register_section("rubrics", export, erase, title="Rubrics you uploaded", order=70,
                 tables=["rubric_versions"])

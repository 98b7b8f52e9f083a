"""Rubrics in a person's data (issue 24): the rubric versions they uploaded.

Erasure changes nothing here: a version refers to its uploader by account id only, and the
account itself is pseudonymised.
"""

from __future__ import annotations

from coachprog.personal_data import register_table_section

# The rubric's content is the program's, not the person's: who uploaded which version.
register_table_section("rubrics", ["rubric_versions"], title="Rubrics you uploaded", order=70,
                       omit={"rubric_versions": ("content",)})

"""Helpers for the rubric tests: YAML text for a valid rubric, and a way to mark a version
as used (one mark on one assessment)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from coachprog.extensions import db
from tests.api.conftest import anonymous_api, api_as, make_token  # noqa: F401 - fixtures
from tests.factories import UserFactory

PROJECT_RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"

VALID = textwrap.dedent("""\
    # a comment that does not count
    id: demo
    version: 1
    title: Demo rubric
    purpose: session_review
    description: For tests.
    competencies:
      - id: listening
        title: Listening
        minimum: 0.5
        behaviours:
          - id: reflects
            description: Coach reflects what the coachee said.
            scale: binary
          - id: beneath
            description: Coach names what lies beneath the words.
            scale: 1-5
            weight: 2
            anchors:
              1: Literal content only.
              2: Notices, does not name.
              3: Names one and checks.
              4: Names several, invites exploration.
              5: Links them to the goal.
      - id: stance
        title: Stance
        behaviours:
          - id: no-advising
            description: Coach offers no solution in place of the coachee's thinking.
            scale: binary
            non_negotiable: true
    pass_rules:
      overall_threshold: 0.7
      competency_minimum: 0.4
    """)


def variant(text: str = VALID, **replacements: str) -> str:
    """VALID with each `old=new` pair replaced once (keys: any label; values 'old|new')."""
    for pair in replacements.values():
        old, new = pair.split("|", 1)
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def write_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    directory = tmp_path / "rubrics"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def use_version(version_id: int) -> None:
    """Give the version one mark, as scoring would: from then on it can never change."""
    from coachprog.assessments.models import Assessment, EvidenceItem, Mark, RaterAssignment

    rater = UserFactory(roles=["rater"])
    evidence = EvidenceItem(title="Recorded session")
    db.session.add(evidence)
    db.session.flush()
    assessment = Assessment(evidence_item_id=evidence.id, rubric_version_id=version_id,
                            title="Session review", subject_pseudonym="Coach A")
    db.session.add(assessment)
    db.session.flush()
    assignment = RaterAssignment(assessment_id=assessment.id, rater_id=rater.id, role="rater",
                                 status="draft")
    db.session.add(assignment)
    db.session.flush()
    db.session.add(Mark(assignment_id=assignment.id, behaviour_id="reflects", value=1))
    db.session.commit()


@pytest.fixture
def rubrics_dir(tmp_path: Path) -> Path:
    return write_dir(tmp_path, {"demo.yaml": VALID})

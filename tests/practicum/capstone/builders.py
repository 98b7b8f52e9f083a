"""Builders for the capstone and peer-triad tests (no tests here): the real capstone rubric,
a trainee with a supervisor and a coached leader engagement, generated PDF and DOCX files,
scoring a brief through the assessments service. Everything is flushed; the test commits."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
from pypdf import PdfWriter

from coachprog.assessments import services as assessment_services
from coachprog.auth.models import User
from coachprog.coaching.models import Engagement
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.capstone import services as capstone_services
from coachprog.practicum.capstone.models import CapstoneBrief
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import content_hash, load_rubric_text
from tests.assessments.builders import calibrate
from tests.factories import PersonFactory
from tests.practicum.builders import START, enrolled_trainee

RUBRIC_FILE = Path(__file__).resolve().parents[3] / "rubrics" / "capstone-brief.yaml"
KPI = {"kpi_name": "Voluntary attrition in the leader's team, rolling 12 months",
       "kpi_baseline": "18 % (Q1 2026)", "kpi_target": "12 % by Q1 2027",
       "kpi_source": "HRIS attrition report, owned by HR analytics"}
OBJECTIVES = ("- Holds a monthly career conversation with each report\n"
              "- Delegates one decision a week")
WORDS = 300
PASSING = {"kpi-name": "1", "kpi-baseline": "1", "kpi-target": "1", "kpi-source": "1",
           "obj-behavioural": "5", "obj-linked": "5", "app-stance": "1", "app-cadence": "1",
           "bound-sponsor": "1", "eval-review": "5", "eval-attribution": "1"}
FAILING = {**PASSING, "kpi-baseline": "0"}  # a non-negotiable unmet


def capstone_rubric() -> RubricVersion:
    found = db.session.query(RubricVersion).filter_by(rubric_key="capstone-brief").first()
    if found is not None:
        return found
    rubric, content = load_rubric_text(RUBRIC_FILE.read_text(encoding="utf-8"))
    row = RubricVersion(rubric_key=rubric.id, version=rubric.version, title=rubric.title,
                        purpose=rubric.purpose.value, content=content,
                        content_hash=content_hash(content), source="rubrics/capstone-brief.yaml")
    db.session.add(row)
    db.session.flush()
    return row


def capstone_trainee(*, calibrated: bool = True) -> tuple[Person, User, User, Engagement]:
    """(trainee person, trainee user, supervisor user, the engagement they coach)."""
    capstone_rubric()
    person, trainee, supervisor = enrolled_trainee()
    if calibrated:
        calibrate(supervisor, "capstone-brief")
    leader = PersonFactory(name="Leader Lena")
    db.session.flush()
    engagement = Engagement(coach_person_id=person.id, coachee_person_id=leader.id,
                            start_date=START, session_cap=6)
    db.session.add(engagement)
    db.session.flush()
    return person, trainee, supervisor, engagement


def text(words: int = WORDS) -> str:
    return "# Coaching plan\n\n" + " ".join(f"word{i}" for i in range(words))


def draft(engagement: Engagement, **fields: Any) -> capstone_services.BriefDraft:
    values: dict[str, Any] = {"mode": "markdown", "engagement_id": engagement.id, **KPI,
                              "objectives": OBJECTIVES, "body_markdown": text()}
    values.update(fields)
    return capstone_services.BriefDraft(**values)


def pdf_bytes(pages: int = 2, *, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(words: int = WORDS, *, page_breaks: int = 0) -> bytes:
    document = docx.Document()
    document.add_heading("Coaching plan", level=1)
    document.add_paragraph(" ".join(f"word{i}" for i in range(words)))
    for _ in range(page_breaks):
        document.add_page_break()
        document.add_paragraph("More.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def score(brief: CapstoneBrief, rater: User, marks: dict[str, str]) -> None:
    assignment = next(a for a in brief.assessment.assignments if a.rater_id == rater.id)
    assessment_services.save_marks(rater, assignment, marks, {}, submit=True)
    db.session.flush()

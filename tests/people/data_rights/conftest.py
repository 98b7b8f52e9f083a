"""The seeded demo with one person made unmistakable: their name, e-mail and employee id are
unique to the test, so a raw scan of the database file finds them only where erasure missed."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from coachprog.assessments import evidence as assessment_evidence
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.notifications.services import send_email
from coachprog.people.models import Person
from coachprog.seed.demo import seed_demo

DEMO_PASSWORD = "demo password for tests"
SYSTEM = SystemActor("test")


@dataclass(frozen=True)
class Marked:
    person_id: int
    user_id: int
    name: str
    email: str
    employee_id: str

    @property
    def identifiers(self) -> tuple[str, str, str]:
        return (self.name, self.email, self.employee_id)


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", DEMO_PASSWORD)
    seed_demo(SYSTEM, people=40)
    db.session.commit()


def mark_person(email: str) -> Marked:
    """Give the demo account `email` and its person identifiers no other test uses, then write
    them where the app writes them in ordinary use: an audit entry, an e-mail, evidence with
    an attached file, free text another person wrote about them."""
    token = secrets.token_hex(4)
    name = f"Quillon Zephyrine-{token}"
    new_email = f"quillon.{token}@erasure.test"
    employee_id = f"ZQX-{token}"
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None and user.person_id is not None
    person = db.session.get(Person, user.person_id)
    assert person is not None
    person.name, person.email, person.employee_id = name, new_email, employee_id
    user.email, user.display_name = new_email, name
    db.session.flush()
    audit.record("person.noted", actor=user, object_type="person", object_id=person.id,
                 detail={"note": f"{name} <{new_email}> ({employee_id}) was mentioned"})
    send_email(kind="test.notice", to_email=new_email, to_name=name, subject=f"Hello {name}",
               body=f"Dear {name}, your id is {employee_id}.")
    send_email(kind="test.notice", to_email="someone.else@example.com", to_name="Someone",
               subject="About a colleague", body=f"{name} will join the panel.")
    assessment_evidence.create_evidence_item(
        SYSTEM, title=f"Interview notes on {name}", description=f"{name} said hello",
        subject_employee_id=employee_id,
        attachment=assessment_evidence.Upload("notes.txt", io.BytesIO(
            f"Attachment about {name}, {new_email}, {employee_id}".encode())))
    db.session.commit()
    return Marked(person.id, user.id, name, new_email, employee_id)


def snapshot_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables}


def rows_holding(identifiers: tuple[str, ...]) -> list[str]:
    """`table.column` of every stored value that still holds one of the identifiers."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            as_text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
            for needle in identifiers:
                hit = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                    sa.func.lower(as_text).contains(needle.lower(), autoescape=True)))
                if hit:
                    found.append(f"{table.name}.{column.name} ({needle})")
    return found




def touch_every_domain(user: User) -> None:
    """Top up what the demo gives a coach with the rows it does not make for them (a
    certificate, a calibration result, a hidden home item, an e-mail, a job, a rubric
    upload)."""
    from datetime import date

    from coachprog.calibration.models import CalibrationExercise, RaterCalibration
    from coachprog.certification.models import Certification
    from coachprog.home.models import HomeDismissal
    from coachprog.jobs.models import Job
    from coachprog.policy.models import OptOut, PolicyAcknowledgement
    from coachprog.program.charter.models import ProgramGate, ProgramGateChange
    from coachprog.rubrics.models import RubricVersion

    assert user.person_id is not None
    db.session.add(Certification(person_id=user.person_id, level="associate",
                                 issued_on=date(2026, 1, 5), valid_until=date(2028, 1, 5),
                                 verification_code=secrets.token_hex(8)))
    exercise = db.session.scalar(sa.select(CalibrationExercise))
    assert exercise is not None, "the demo holds a calibration exercise"
    db.session.add(RaterCalibration(exercise_id=exercise.id, rater_id=user.id,
                                    rubric_key="interview", kappa=0.5, items_scored=3))
    db.session.add(HomeDismissal(user_id=user.id, key="job-failed:1"))
    db.session.add(Job(kind="people_import", status="succeeded", payload={}, result={},
                       created_by_id=user.id))
    version = db.session.scalar(sa.select(RubricVersion).order_by(RubricVersion.id))
    assert version is not None, "the demo loads the rubrics"
    version.uploaded_by_id = user.id
    db.session.add(PolicyAcknowledgement(user_id=user.id, use_cases_version=1,
                                         data_use_version=1))
    db.session.add(OptOut(person_id=user.person_id, kind="analytics"))
    gate = db.session.scalar(sa.select(ProgramGate).order_by(ProgramGate.id))
    assert gate is not None, "the demo carries a program charter with its gates"
    db.session.add(ProgramGateChange(gate_id=gate.id, kind="changed", reason="Baseline re-read",
                                     changed_by_id=user.id))
    send_email(kind="test.notice", to_email=user.email, to_name=user.display_name,
               subject="Your supervision", body="See you on Tuesday.")
    db.session.commit()

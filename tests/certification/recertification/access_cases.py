"""Recertification routes in the access matrix, plus the builders the recertification tests
share. The matrix user is never the coach asked about, nor the peer asked for the review: the
page is for program staff (and the coach); the brief and the peer request are the coach's or
an admin's; the peer page only the asked peer's; master coaches and admins start the review
and approve; managers, sponsors, raters and other coaches are refused everywhere (collected by
tests/test_access.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from coachprog.assessments.models import Assessment, EvidenceItem
from coachprog.auth.models import User
from coachprog.certification.models import Certification, CertificationEvidence
from coachprog.db import utcnow
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.practicum.ledger.models import LedgerEntry
from coachprog.roles import Role
from coachprog.rubrics.models import RubricVersion
from coachprog.rubrics.schema import content_hash, load_rubric_text
from tests.access import Case, statuses
from tests.factories import PersonFactory, UserFactory

RUBRICS = Path(__file__).resolve().parents[3] / "rubrics"
BRIEF = ("Across the cycle I coached six leaders. Four reached the goals agreed at the start: "
         "two now run their own team retrospectives, which their teams' survey scores show, "
         "and two delegate a weekly decision they used to keep. One engagement fell short: "
         "the leader changed roles mid-way and we closed early; I would agree a re-contracting "
         "point sooner next time. Evidence: the goal reviews and the clients' own reports.")
PEER_REVIEW = ("I observed two of the coach's sessions in our peer triad and discussed a third "
               "with them. A strength: precise, open questions that leave the thinking with the "
               "coachee. To develop: closing sessions with a clearer agreed next step.")


# --- builders ---------------------------------------------------------------------------------


def rubric(key: str = "recertification") -> RubricVersion:
    """A shipped rubric recorded in the database (as `flask rubrics load` would)."""
    found = db.session.query(RubricVersion).filter_by(rubric_key=key).first()
    if found is not None:
        return found
    spec, content = load_rubric_text((RUBRICS / f"{key}.yaml").read_text(encoding="utf-8"))
    row = RubricVersion(rubric_key=spec.id, version=spec.version, title=spec.title,
                        purpose=spec.purpose.value, content=content,
                        content_hash=content_hash(content), source=f"rubrics/{key}.yaml")
    db.session.add(row)
    db.session.flush()
    return row


def certified(*, name: str = "Cora Coach", status: str = "active",
              valid_until: date | None = None, issued_on: date | None = None,
              role: Role = Role.COACH, level: str = "certified_internal_coach"
              ) -> tuple[Person, User, Certification]:
    """A coach with an account and a certification due in 30 days (by default)."""
    today = utcnow().date()
    due = valid_until or today + timedelta(days=30)
    person = PersonFactory(name=name)
    user = UserFactory(roles=[role], person_id=person.id, display_name=name)
    cert = Certification(person_id=person.id, level=level, status=status,
                         issued_on=issued_on or due - timedelta(days=365), valid_until=due)
    db.session.add(cert)
    db.session.flush()
    return person, user, cert


def master_coach(name: str = "Mona Master", *, calibrated: bool = True) -> User:
    from tests.assessments.builders import calibrate

    rubric()
    user = UserFactory(roles=[Role.MASTER_COACH], display_name=name)
    if calibrated:
        calibrate(user, "recertification")
    return user


def development_hours(person: Person, hours: float = 10, *, on: date | None = None,
                      status: str = "verified") -> LedgerEntry:
    day = on or utcnow().date() - timedelta(days=20)
    entry = LedgerEntry(person_id=person.id, kind="supervision", minutes=int(hours * 60),
                        starts_at=datetime.combine(day, time(9), tzinfo=UTC), status=status)
    db.session.add(entry)
    db.session.flush()
    return entry


def scored_session(person: Person, *, closed_on: date | None = None) -> Assessment:
    """A recorded session of the coach scored (closed) with the session review rubric."""
    version = rubric("session-review")
    evidence = EvidenceItem(title="Recorded session", subject_person_id=person.id)
    db.session.add(evidence)
    db.session.flush()
    day = closed_on or utcnow().date() - timedelta(days=15)
    assessment = Assessment(evidence_item_id=evidence.id, rubric_version_id=version.id,
                            title="Session review", subject_pseudonym="P-TEST", kind="live",
                            status="closed", result={"passed": True, "overall": 0.8},
                            closed_at=datetime.combine(day, time(12), tzinfo=UTC))
    db.session.add(assessment)
    db.session.flush()
    return assessment


def peer_request(cert: Certification, reviewer: Person) -> CertificationEvidence:
    row = CertificationEvidence(person_id=cert.person_id, kind="peer_review_request",
                                summary="", certification_id=cert.id,
                                reviewer_person_id=reviewer.id, recorded_on=utcnow().date())
    db.session.add(row)
    db.session.flush()
    return row


# --- the matrix -------------------------------------------------------------------------------


def matrix_recertification() -> dict[str, Any]:
    """A certification due in 30 days (open), no evidence, a peer review asked of someone
    else."""
    _, _, cert = certified(name="Matrix Recert Coach")
    peer, _, _ = certified(name="Matrix Peer")
    peer_request(cert, peer)
    db.session.commit()
    return {"cert_id": cert.id}


def _url(path: str) -> Any:
    return lambda o: f"/certification/recertification/{o['cert_id']}{path}"


STAFF_VIEW = statuses(403, admin=200, master_coach=200, lead_coach=200)
DECIDERS_400 = statuses(403, admin=400, master_coach=400)

CASES = [
    Case("certification.recertification", "GET", _url(""), STAFF_VIEW,
         setup=matrix_recertification),
    # Empty forms come back with their errors (400) for those allowed; everyone else 403.
    Case("certification.recert_submit_brief", "POST", _url("/brief"),
         statuses(403, admin=400), setup=matrix_recertification),
    Case("certification.recert_request_peer_review", "POST", _url("/peer-request"),
         statuses(403, admin=400), setup=matrix_recertification),
    # Only the asked peer: the matrix user never is.
    Case("certification.recert_peer_review", "GET", _url("/peer-review"), statuses(403),
         setup=matrix_recertification),
    Case("certification.recert_peer_review", "POST", _url("/peer-review"), statuses(403),
         body={"text": PEER_REVIEW}, setup=matrix_recertification),
    Case("certification.recert_start_review", "POST", _url("/review"), DECIDERS_400,
         setup=matrix_recertification),
    Case("certification.recert_score_review", "POST", _url("/review/marks"),
         statuses(403, admin=400, master_coach=400, lead_coach=400),
         setup=matrix_recertification),
    Case("certification.recert_approve", "POST", _url("/approve"), DECIDERS_400,
         body={"capacity": "admin"}, setup=matrix_recertification),
    Case("certification.recert_withdraw", "POST", _url("/withdraw"), DECIDERS_400,
         setup=matrix_recertification),
]

"""Signals stored per transcribed session, recomputed on corrections; drift flags and the
contract `drifting_coach_ids()`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from coachprog.audits.fidelity import services as fidelity_services
from coachprog.audits.fidelity.models import FidelityDriftFlag, FidelitySignal
from coachprog.audits.sampling import services as sampling_services
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.recordings.models import TranscriptSegment
from coachprog.roles import Role
from tests.audits.fidelity.builders import ADVISING, coach_with_sessions, transcribed_session
from tests.recordings.recording_builders import supervisor_of


def _flags(coach_id: int) -> list[FidelityDriftFlag]:
    return list(db.session.query(FidelityDriftFlag).filter_by(coach_person_id=coach_id)
                .order_by(FidelityDriftFlag.id))


def test_signals_are_stored_in_session_order() -> None:
    w = coach_with_sessions("LA")
    rows = fidelity_services.refresh_coach(w.coach.id)
    assert [r.session_date for r in rows] == [date(2026, 9, 1), date(2026, 9, 8)]
    listening, advising = rows
    assert listening.questions == 2 and listening.reflections == 2 and listening.advice == 0
    assert advising.advice == 4 and advising.listening_ratio == 0.0
    assert listening.talk_basis == "seconds"


def test_one_session_below_the_line_is_no_drift() -> None:
    w = coach_with_sessions("LALAL")
    fidelity_services.refresh_coach(w.coach.id)
    assert _flags(w.coach.id) == []
    assert fidelity_services.drifting_coach_ids() == set()


def test_two_in_a_row_open_one_flag_and_it_feeds_sampling() -> None:
    w = coach_with_sessions("LAAA")
    other = coach_with_sessions("LL")
    fidelity_services.refresh_coach(w.coach.id)
    fidelity_services.refresh_coach(w.coach.id)  # idempotent: no second flag
    flags = _flags(w.coach.id)
    assert len(flags) == 1
    assert len(flags[0].session_ids) == 3 and flags[0].run_values == [0.0, 0.0, 0.0]
    assert flags[0].status == "open" and flags[0].signal == "listening_ratio"
    assert fidelity_services.drifting_coach_ids() == {w.coach.id}
    assert other.coach.id not in fidelity_services.drifting_coach_ids()


def test_the_line_and_signal_come_from_config(app: Flask, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    w = coach_with_sessions("LL")
    monkeypatch.setitem(app.config, "FIDELITY_DRIFT_LINE", 1.01)
    with pytest.raises(DomainError):
        fidelity_services.refresh_coach(w.coach.id)
    monkeypatch.setitem(app.config, "FIDELITY_DRIFT_LINE", 0.9)
    monkeypatch.setitem(app.config, "FIDELITY_SIGNAL", "question_share")  # L has 2 of 4
    fidelity_services.refresh_coach(w.coach.id)
    assert [f.signal for f in _flags(w.coach.id)] == ["question_share"]


def test_a_corrected_speaker_label_is_recomputed() -> None:
    w = coach_with_sessions("A")
    (row,) = fidelity_services.refresh_coach(w.coach.id)
    assert row.advice == 4
    segment = db.session.query(TranscriptSegment).filter_by(position=0).one()
    segment.speaker = "coachee"  # a reviewer fixes the diarisation
    db.session.flush()
    (row,) = fidelity_services.refresh_coach(w.coach.id)
    assert row.coach_turns == 3 and row.advice == 3


def test_withdrawn_consent_takes_the_signals_away() -> None:
    w = coach_with_sessions("AA")
    fidelity_services.refresh_coach(w.coach.id)
    assert w.consent is not None
    w.consent.withdrawn_at = utcnow()
    db.session.flush()
    assert fidelity_services.refresh_coach(w.coach.id) == []
    assert db.session.query(FidelitySignal).count() == 0


def test_sessions_without_supervisor_review_consent_do_not_count() -> None:
    w = coach_with_sessions("AA", supervisor_review=False)
    assert fidelity_services.refresh_coach(w.coach.id) == []
    assert _flags(w.coach.id) == []


def test_a_flag_stays_open_until_a_supervisor_resolves_it_with_a_note() -> None:
    w = coach_with_sessions("AA")
    supervisor = supervisor_of(w.coach)
    fidelity_services.refresh_coach(w.coach.id)
    (flag,) = _flags(w.coach.id)
    # Better sessions afterwards do not close it: a human does.
    transcribed_session(w, [("coach", "What matters most to you here?")], date(2026, 10, 1))
    fidelity_services.refresh_coach(w.coach.id)
    assert flag.status == "open"
    with pytest.raises(NotPermitted):
        fidelity_services.resolve_flag(w.coach_user, flag.id, note="I disagree")
    with pytest.raises(DomainError, match="Write a note"):
        fidelity_services.resolve_flag(supervisor, flag.id, note="  ")
    fidelity_services.resolve_flag(supervisor, flag.id, note="Talked it through; role play.")
    assert flag.status == "resolved" and flag.resolved_by_id == supervisor.id
    assert fidelity_services.drifting_coach_ids() == set()
    with pytest.raises(DomainError, match="already resolved"):
        fidelity_services.resolve_flag(supervisor, flag.id, note="again")
    # A new run later opens a new flag.
    for day in (2, 3):
        transcribed_session(w, ADVISING, date(2026, 11, day))
    fidelity_services.refresh_coach(w.coach.id)
    assert [f.status for f in _flags(w.coach.id)] == ["resolved", "open"]


def test_who_sees_the_signals(app: Flask) -> None:
    from coachprog.authority import can
    from tests.factories import PersonFactory, UserFactory

    w = coach_with_sessions("A")
    supervisor = supervisor_of(w.coach)
    stranger = UserFactory(roles=[Role.LEAD_COACH])
    admin = UserFactory(roles=[Role.ADMIN])
    sponsor_supervisor = UserFactory(roles=[Role.LEAD_COACH, Role.SPONSOR])
    db.session.add(SupervisorAssignment(coach_person_id=w.coach.id,
                                        supervisor_user_id=sponsor_supervisor.id))
    manager_person = PersonFactory()
    w.coach.manager_id = manager_person.id
    manager_supervisor = supervisor_of(w.coach, Role.LEAD_COACH, person_id=manager_person.id)
    db.session.flush()
    checks: dict[str, Any] = {
        "coach": w.coach_user, "supervisor": supervisor, "stranger": stranger, "admin": admin,
        "manager who also supervises": manager_supervisor,
        "sponsor who also supervises": sponsor_supervisor,
    }
    seen = {name: can(user, "can_view_fidelity_signals", w.coach)
            for name, user in checks.items()}
    assert seen == {"coach": True, "supervisor": True, "stranger": False, "admin": False,
                    "manager who also supervises": False, "sponsor who also supervises": False}


def test_an_open_drift_flag_doubles_the_sampling_weight() -> None:

    w = coach_with_sessions("LAA")
    steady = coach_with_sessions("LLL")
    weights = {m.coach_id: m.weight for m in sampling_services.population_for("2026Q4")}
    # Never audited (x2), and drifting (x2): the sampler asks drifting_coach_ids() itself.
    assert weights[w.coach.id] == 4.0
    assert weights[steady.coach.id] == 2.0


def test_a_second_refresh_recomputes_nothing_and_a_correction_only_its_session() -> None:
    from coachprog.recordings.models import SegmentEdit

    w = coach_with_sessions("LAL")
    other = coach_with_sessions("AL")
    first = fidelity_services.refresh_all()
    assert (first.coaches, first.checked, first.recomputed, first.removed) == (2, 5, 5, 0)
    second = fidelity_services.refresh_all()
    assert (second.checked, second.recomputed, second.removed) == (0, 0, 0)
    # A reviewer's correction of the same length: the edit record marks the transcript.
    segment = db.session.query(TranscriptSegment).filter_by(
        text="You should block two hours every morning for deep work.").first()
    assert segment is not None
    new_text = "What if you blocked two hours each morning for focus?!!"
    assert len(new_text) == len(segment.text)
    db.session.add(SegmentEdit(segment_id=segment.id, old_text=segment.text, new_text=new_text,
                               old_speaker=segment.speaker, new_speaker=segment.speaker,
                               edited_at=utcnow()))
    segment.text = new_text
    db.session.flush()
    third = fidelity_services.refresh_all()
    assert (third.checked, third.recomputed) == (1, 1)
    # Withdrawn consent: only the removal, nothing read again.
    assert other.consent is not None
    other.consent.withdrawn_at = utcnow()
    db.session.flush()
    fourth = fidelity_services.refresh_all()
    assert (fourth.checked, fourth.recomputed, fourth.removed) == (0, 0, 2)
    assert {r.coach_person_id for r in db.session.query(FidelitySignal)} == {w.coach.id}


def test_a_new_term_list_marks_every_transcript(monkeypatch: pytest.MonkeyPatch) -> None:
    from coachprog.audits.fidelity import domain as fidelity

    coach_with_sessions("LA")
    fidelity_services.refresh_all()
    real = fidelity.terms_digest
    monkeypatch.setattr(fidelity, "terms_digest", lambda terms: "new-" + real(terms))
    again = fidelity_services.refresh_all()
    assert again.checked == 2 and again.recomputed == 2

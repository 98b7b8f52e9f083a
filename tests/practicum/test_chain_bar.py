"""The management-chain bar (issue 19): nobody above a coach in their reporting line is
assigned over them (supervisor, panel member; raters, moderators and auditors go through the
assessments conflict registry), nor passes any practicum or supervision predicate or list
about them — even holding lead_coach and an assignment made before a reorganisation."""

from __future__ import annotations

import pytest

from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.people import services as people
from coachprog.practicum.ledger import services, trainees
from coachprog.practicum.supervision import services as supervision_services
from coachprog.practicum.supervision.overview import program_overview
from coachprog.recordings import supervision as recording_supervision
from coachprog.roles import Role
from coachprog.selection.panel import services as selection
from tests.factories import PersonFactory, UserFactory
from tests.practicum.builders import enrolled_trainee, entry
from tests.recordings.recording_builders import (
    recordings_dir,  # noqa: F401 - fixture
    world,
)
from tests.selection.builders import SYSTEM, applicant, sprint

pytestmark = pytest.mark.usefixtures("clock")


def _reorganise_above(person_id: int, user: object) -> None:
    """Put `user`'s person two levels above the trainee (indirect: the whole chain counts)."""
    from coachprog.people.models import Person

    middle = PersonFactory(manager_id=user.person_id)  # type: ignore[attr-defined]
    trainee = db.session.get(Person, person_id)
    assert trainee is not None
    trainee.manager = middle
    db.session.flush()


def test_in_management_chain_walks_the_whole_line_one_way() -> None:
    top = PersonFactory()
    middle = PersonFactory(manager=top)
    bottom = PersonFactory(manager=middle)
    stranger = PersonFactory()
    db.session.flush()
    assert people.in_management_chain(top.id, bottom.id)
    assert people.in_management_chain(middle.id, bottom.id)
    assert not people.in_management_chain(bottom.id, top.id)
    assert not people.in_management_chain(stranger.id, bottom.id)
    assert not people.in_management_chain(bottom.id, bottom.id)
    assert not people.in_management_chain(None, bottom.id)


def test_a_supervisor_reorganised_above_their_trainee_loses_every_predicate(app) -> None:
    person, _, supervisor = enrolled_trainee()
    row = entry(person)
    db.session.commit()
    # Before: the assigned lead coach reads and verifies.
    assert can(supervisor, "can_view_practicum_ledger", person.id)
    assert can(supervisor, "can_verify_practicum_entry", row)
    assert [r.person.id for r in trainees.list_trainees(supervisor)[0]] == [person.id]
    with app.test_request_context():
        assert [i.id for i in services.entries_to_verify(supervisor)] == [row.id]
    assert supervision_services.trainee_ids_of(supervisor) == {person.id}
    supervisor.person_id = PersonFactory().id
    _reorganise_above(person.id, supervisor)
    db.session.commit()
    for name, obj in (("can_view_practicum_ledger", person.id),
                      ("can_verify_practicum_entry", row),
                      ("can_view_session_feedback", person.id),
                      ("can_write_session_feedback", person.id),
                      ("can_record_one_on_one", person.id),
                      ("can_view_practicum_gate", person.id),
                      ("can_view_capstone", person.id),
                      ("can_list_peer_triads", person.id)):
        assert not can(supervisor, name, obj), name
    assert trainees.list_trainees(supervisor) == ([], 0)
    with app.test_request_context():
        assert services.entries_to_verify(supervisor) == []
    assert supervision_services.trainee_ids_of(supervisor) == set()


def test_an_admin_or_master_coach_in_the_chain_sees_no_ledger_gate_or_overview_row() -> None:
    person, _, _ = enrolled_trainee()
    boss = UserFactory(roles=[Role.ADMIN, Role.MASTER_COACH], person_id=PersonFactory().id)
    db.session.commit()
    assert can(boss, "can_view_practicum_ledger", person.id)
    assert can(boss, "can_decide_practicum_gate", person.id)
    assert person.id in {r.person.id for r in trainees.list_trainees(boss)[0]}
    _reorganise_above(person.id, boss)
    db.session.commit()
    assert not can(boss, "can_view_practicum_ledger", person.id)
    assert not can(boss, "can_view_practicum_gate", person.id)
    assert not can(boss, "can_decide_practicum_gate", person.id)
    assert person.id not in {r.person.id for r in trainees.list_trainees(boss)[0]}
    overview = program_overview(boss)
    assert person.id not in {r.trainee.id for r in overview.rows}


def test_assigning_a_manager_as_supervisor_is_refused_in_words() -> None:
    w = world()
    admin = UserFactory(roles=[Role.ADMIN])
    boss_person = PersonFactory(name="Yara Yilmaz")
    w.coach.manager = boss_person
    boss = UserFactory(roles=[Role.LEAD_COACH], person_id=boss_person.id,
                       display_name="Yara Yilmaz")
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                     supervisor_user_id=boss.id)
    message = refused.value.field_errors["supervisor_user_id"][0]
    assert message.startswith(f"Yara Yilmaz manages {w.coach.name}, so cannot be their "
                              "supervisor")
    # Indirectly above (the manager's manager): refused too, and said so.
    top = PersonFactory()
    boss_person.manager = top
    higher = UserFactory(roles=[Role.MASTER_COACH], person_id=top.id, display_name="Ines Top")
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                     supervisor_user_id=higher.id)
    assert f"Ines Top manages {w.coach.name} indirectly (further up their reporting line), " \
        "so cannot be their supervisor" in refused.value.field_errors["supervisor_user_id"][0]
    # Someone outside the line is assigned.
    other = UserFactory(roles=[Role.LEAD_COACH])
    assert recording_supervision.assign_supervisor(admin, coach_person_id=w.coach.id,
                                        supervisor_user_id=other.id).supervisor_user_id == other.id


def test_seating_a_manager_of_a_candidate_on_the_panel_is_refused_in_words(app) -> None:
    row = sprint(panel=False)
    candidate = applicant(row)
    boss = UserFactory(roles=[Role.MASTER_COACH], display_name="Mina Boss",
                       person_id=PersonFactory().id)
    candidate.person.manager_id = boss.person_id
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        selection.seat_panel_member(SYSTEM, row, "external_master_coach", boss.id)
    assert f"Mina Boss manages {candidate.person.name}, so cannot be their panel member" in \
        str(refused.value.field_errors["user_id"][0])
    outsider = UserFactory(roles=[Role.MASTER_COACH], person_id=PersonFactory().id)
    assert selection.seat_panel_member(SYSTEM, row, "external_master_coach",
                                       outsider.id).user_id == outsider.id


@pytest.mark.usefixtures("recordings_dir")
def test_rating_a_recorded_session_of_ones_report_is_refused_in_words(tmp_path) -> None:
    from coachprog.assessments import services as assessments
    from tests.assessments.builders import assessment, calibrate
    from tests.recordings.recording_builders import session, stored_recording

    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, tmp_path)
    boss_person = PersonFactory(name="Ola Boss")
    w.coachee.manager = boss_person
    boss = UserFactory(roles=[Role.RATER], person_id=boss_person.id, display_name="Ola Boss")
    calibrate(boss)
    admin = UserFactory(roles=[Role.ADMIN])
    for blind in (True, False):
        row = assessment(blind=blind)
        row.evidence.recording_id = recording.id
        db.session.flush()
        with pytest.raises(DomainError) as refused:
            assessments.assign_rater(admin, row, boss.id)
        assert f"Ola Boss manages {w.coachee.name}, so cannot be their rater" in \
            refused.value.message


def test_program_staff_in_the_chain_do_not_open_the_coachs_certification_page() -> None:
    person, trainee, _ = enrolled_trainee()
    lead = UserFactory(roles=[Role.LEAD_COACH, Role.MASTER_COACH], person_id=PersonFactory().id)
    db.session.commit()
    assert can(lead, "can_view_certification", person.id)
    _reorganise_above(person.id, lead)
    db.session.commit()
    assert not can(lead, "can_view_certification", person.id)
    assert can(trainee, "can_view_certification", person.id)


def test_the_trainee_and_verify_lists_filter_in_sql_whatever_their_length(app) -> None:
    """The chain bar adds no query per row: one supervisor over one trainee or over six runs
    the same number of statements for the trainee list and the verify queue."""
    from coachprog.coaching.models import SupervisorAssignment
    from tests.conftest import counting_statements

    supervisor = UserFactory(roles=[Role.LEAD_COACH], person_id=PersonFactory().id)

    def add_trainee() -> None:
        person, _, _ = enrolled_trainee()
        db.session.add(SupervisorAssignment(coach_person_id=person.id,
                                            supervisor_user_id=supervisor.id))
        entry(person)
        db.session.commit()

    def counts() -> tuple[int, int]:
        # A fresh app context, as each request has: nothing prefetched by an earlier call.
        with app.app_context(), counting_statements() as listed:
            trainees.list_trainees(supervisor)
        with app.test_request_context(), counting_statements() as queued:
            services.entries_to_verify(supervisor)
        return len(listed), len(queued)

    add_trainee()
    one = counts()
    for _ in range(5):
        add_trainee()
    db.session.expire_all()
    assert len(trainees.list_trainees(supervisor)[0]) == 6
    db.session.expire_all()
    assert counts() == one

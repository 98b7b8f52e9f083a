"""Entry services: applications, nominations and invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coachprog.errors import DomainError, NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.roles import Role
from coachprog.selection.candidates import services as candidate_services
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import domain as entry_domain
from coachprog.selection.entries import services as entry_services
from coachprog.selection.models import Candidate
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import (
    APPLICATION,
    SYSTEM,
    applicant,
    candidate_at,
    line,
    sprint,
)
from tests.selection.helpers import (
    audit_actions,
    outbox_messages,
)


def test_application_is_a_candidate_at_once_and_duplicates_are_refused(app) -> None:
    row = sprint()
    person = PersonFactory()
    user = UserFactory(person_id=person.id)
    candidate = entry_services.apply(user, row, text=APPLICATION)
    assert candidate.stage == "applied" and candidate.route == "application"
    with pytest.raises(DomainError, match="already has an entry"):
        entry_services.apply(user, row, text=APPLICATION)
    with pytest.raises(DomainError) as caught:
        entry_services.apply(UserFactory(person_id=PersonFactory().id), row, text="Too short.")
    assert "write at least 150" in caught.value.field_errors["text"][0]


def test_entries_close_with_the_nomination_window(app, frozen) -> None:
    row = sprint(start=frozen.date() - timedelta(days=7))
    user = UserFactory(person_id=PersonFactory().id)
    with pytest.raises(DomainError, match="closed on 2026-03-01"):
        entry_services.apply(user, row, text=APPLICATION)
    future = sprint(start=frozen.date() + timedelta(days=3), name="Later")
    with pytest.raises(DomainError, match="open on 2026-03-05"):
        entry_services.apply(user, future, text=APPLICATION)


def test_an_account_without_a_directory_record_cannot_enter(app) -> None:
    with pytest.raises(NotPermitted):
        entry_services.apply(UserFactory(), sprint(), text=APPLICATION)


def test_nomination_from_an_indirect_manager_invites_by_email(app) -> None:
    top, middle, nominee = line(2)
    manager = UserFactory(roles=[Role.MANAGER], person_id=top.id)
    row = sprint()
    entry = entry_services.nominate(manager, row, nominee_employee_id=nominee.employee_id,
                               why="Listens before she speaks.")
    assert entry.candidate.stage == "nominated" and entry.invitation_token
    assert entry.candidate.invitation_token_hash != entry.invitation_token
    [mail] = outbox_messages("selection.invitation")
    assert mail.to_email == nominee.email
    assert f"/sprints/invitations/{entry.invitation_token}" in mail.body
    assert "Listens before she speaks." in mail.body
    with pytest.raises(DomainError, match="already has an entry"):
        entry_services.nominate(UserFactory(person_id=middle.id), row,
                           nominee_employee_id=nominee.employee_id, why="Again")


def test_nomination_outside_the_reporting_line_or_without_why_is_refused(app) -> None:
    top, nominee = line(1)
    stranger = UserFactory(person_id=PersonFactory().id)
    row = sprint()
    with pytest.raises(DomainError) as caught:
        entry_services.nominate(stranger, row, nominee_employee_id=nominee.employee_id, why="")
    assert caught.value.message == entry_domain.OUTSIDE_LINE  # nothing else about the nominee
    manager = UserFactory(person_id=top.id)
    with pytest.raises(DomainError) as caught:
        entry_services.nominate(manager, row, nominee_employee_id=nominee.employee_id, why=" ")
    assert caught.value.field_errors == {"why": ["Say why you are nominating this person."]}
    with pytest.raises(DomainError) as caught:
        entry_services.nominate(manager, row, nominee_employee_id="NOPE", why="Good")
    assert caught.value.field_errors["nominee_employee_id"] == [entry_domain.OUTSIDE_LINE]
    with pytest.raises(DomainError, match="cannot nominate yourself"):
        entry_services.nominate(manager, row,
                           nominee_employee_id=top.employee_id, why="Me")


def test_an_appointed_coach_is_neither_offered_nor_nominated_again(app) -> None:
    appointed = candidate_at(CandidateStage.APPOINTED)
    boss = PersonFactory(name="Bo Boss")
    appointed.person.manager_id = boss.id
    other = PersonFactory(name="Olga Other", manager_id=boss.id)
    manager = UserFactory(roles=[Role.MANAGER], person_id=boss.id)
    row = sprint(name="Next sprint")
    offered, entered = entry_services.nominee_choices(manager, row)
    assert offered == [other] and entered == 0
    with pytest.raises(DomainError) as caught:
        entry_services.nominate(manager, row, nominee_employee_id=appointed.person.employee_id,
                           why="Again, please.")
    assert caught.value.field_errors["nominee_employee_id"] == [
        f"{appointed.person.name} is already an appointed coach; selection is for people who "
        "are not coaches yet."]


def test_accepting_the_invitation_makes_a_candidate_and_the_link_works_once(app) -> None:
    top, nominee = line(1)
    entry = entry_services.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    candidate = entry_services.respond_to_invitation(entry.invitation_token, accept=True)
    assert candidate.stage == "applied" and candidate.accepted_at is not None
    with pytest.raises(NotFound):
        entry_services.respond_to_invitation(entry.invitation_token, accept=False)
    assert "candidate.invitation_accepted" in audit_actions(candidate)
    assert entry_services.nomination_status(candidate) == "Accepted — now a candidate"


def test_declining_withdraws_the_nominee_without_a_candidacy_notice(app) -> None:
    top, nominee = line(1)
    entry = entry_services.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    candidate = entry_services.respond_to_invitation(entry.invitation_token, accept=False)
    assert candidate.stage == "withdrawn" and candidate.furthest_stage == "nominated"
    assert outbox_messages("selection.decision") == []
    assert entry_services.nomination_status(candidate) == "Declined"


def test_l_and_d_cannot_accept_an_invitation_for_the_nominee(app) -> None:
    top, nominee = line(1)
    entry = entry_services.nominate(UserFactory(person_id=top.id), sprint(),
                               nominee_employee_id=nominee.employee_id, why="Curious mind.")
    with pytest.raises(DomainError, match="Only the nominee"):
        candidate_services.advance_candidate(SYSTEM, entry.candidate, "applied")


def test_outsiders_cannot_learn_who_entered_a_sprint(app) -> None:
    _top, nominee = line(1)
    row = sprint()
    applicant(row, nominee)
    stranger = UserFactory(person_id=PersonFactory().id)
    for employee_id in (nominee.employee_id, "NO-SUCH-ID"):
        with pytest.raises(DomainError) as caught:
            entry_services.nominate(stranger, row, nominee_employee_id=employee_id, why="x")
        assert caught.value.message == entry_domain.OUTSIDE_LINE


def test_unknown_or_malformed_tokens_are_not_found(app) -> None:
    for token in ("", "x" * 200, "not-a-token"):
        with pytest.raises(NotFound):
            entry_services.invitation_by_token(token)


def test_a_simultaneous_duplicate_entry_is_refused_in_words(app) -> None:
    candidate = applicant(sprint())
    twin = Candidate(sprint_id=candidate.sprint_id, person_id=candidate.person_id,
                     route="application", stage="applied", furthest_stage="applied")
    with pytest.raises(DomainError, match="already has an entry"):
        entry_services.insert_or_refuse(twin, "This person already has an entry in this sprint.")
    assert db.session.get(Candidate, candidate.id) is candidate  # the transaction lives on

"""Sensitive-topic flags reach the coach's master coach on both paths: the master coach
assigned over the coach, and the master coach assigned over the coach's lead coach (a coach
supervised only by a lead coach must not leave a flag with nobody to read it). Sponsors,
managers, admins, the lead coach and unrelated master coaches never see them."""

from __future__ import annotations

import sqlalchemy as sa

from coachprog.auth.models import RoleGrant
from coachprog.extensions import db
from coachprog.people.models import Person
from coachprog.recordings.permissions import flag_reviewer_user_ids
from coachprog.recordings.review import services as review
from coachprog.roles import Role
from tests.conftest import post_form
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import supervisor_of
from tests.recordings.review.review_builders import (
    master_supervisor,
    open_flag,
    reviewed_recording,
)

SEGMENT = "My manager keeps bullying me in meetings."


def _lead_with_master(coach: Person):
    """A lead coach (with a person record) over the coach, and a master coach over the lead."""
    lead_person = PersonFactory(name="Lena Lead")
    lead = supervisor_of(coach, Role.LEAD_COACH, person_id=lead_person.id)
    master = master_supervisor(lead_person.id)
    return lead, master


def test_reviewers_are_the_direct_master_and_the_master_over_the_lead(app) -> None:
    r = reviewed_recording()
    direct = master_supervisor(r.world.coach.id)
    lead, over_lead = _lead_with_master(r.world.coach)
    # A master coach over somebody else's lead is not this coach's master coach.
    other_lead_person = PersonFactory()
    supervisor_of(PersonFactory(), Role.LEAD_COACH, person_id=other_lead_person.id)
    master_supervisor(other_lead_person.id)
    assert flag_reviewer_user_ids(r.world.coach.id) == {direct.id, over_lead.id}
    assert lead.id not in flag_reviewer_user_ids(r.world.coach.id)


def test_a_coach_supervised_only_by_a_lead_has_their_flags_routed_upwards(app) -> None:
    r = reviewed_recording()
    lead, master = _lead_with_master(r.world.coach)
    review.flag_sensitive_topics(r.recording)
    views = review.open_flags(master)
    assert {v.flag.category for v in views} == {"harassment", "mental_health_crisis"}
    assert all(v.recording.id == r.recording.id for v in views)
    # The matched moments, not a content relation: the whole transcript stays closed to them.
    assert not any(v.can_open_transcript for v in views)
    assert review.open_flag_count(master) == 2
    assert review.open_flag_count(lead) == 0
    flag = views[0].flag
    assert review.review_flag(master, flag.id, note="Spoke to the lead coach.").status == \
        "reviewed"


def test_the_master_over_the_lead_loses_the_flags_when_the_lead_leaves_or_the_role_goes(
        app) -> None:
    r = reviewed_recording()
    lead, master = _lead_with_master(r.world.coach)
    review.flag_sensitive_topics(r.recording)
    db.session.execute(sa.delete(RoleGrant).where(RoleGrant.user_id == lead.id))
    db.session.flush()
    assert review.open_flags(master) == []  # a lead who is no longer a lead carries nothing


def test_no_supervisor_review_scope_no_flags_for_anyone(app) -> None:
    r = reviewed_recording()
    assert r.world.consent is not None
    r.world.consent.scope_supervisor_review = False
    _lead, master = _lead_with_master(r.world.coach)
    direct = master_supervisor(r.world.coach.id)
    review.flag_sensitive_topics(r.recording)
    assert review.open_flags(master) == [] and review.open_flags(direct) == []


def test_flags_page_for_the_master_over_the_lead(client, auth) -> None:
    r = reviewed_recording()
    flag = open_flag(r.recording)
    _lead, master = _lead_with_master(r.world.coach)
    direct = master_supervisor(r.world.coach.id)
    db.session.commit()
    auth.login(master.email)
    page = client.get("/transcripts/flags").get_data(as_text=True)
    assert SEGMENT in page and "matched: bullying" in page
    assert "master coach over the coach's lead coach" in page
    assert f"/transcripts/{r.recording.id}#segment" not in page  # no link it could not open
    assert 'href="/transcripts/flags">Sensitive-topic flags</a>' in page  # the nav link
    assert client.get(f"/transcripts/{r.recording.id}").status_code == 403
    done = post_form(client, f"/transcripts/flags/{flag.id}/review",
                     {"note": "Asked the lead to follow up."}, follow_redirects=True)
    assert "Flag marked reviewed." in done.get_data(as_text=True)
    auth.logout()
    auth.login(direct.email)
    page = client.get("/transcripts/flags").get_data(as_text=True)
    assert "No open flags" in page


def test_direct_master_gets_the_transcript_link(client, auth) -> None:
    r = reviewed_recording()
    open_flag(r.recording)
    direct = master_supervisor(r.world.coach.id)
    db.session.commit()
    auth.login(direct.email)
    page = client.get("/transcripts/flags").get_data(as_text=True)
    assert f"/transcripts/{r.recording.id}#segment-" in page
    assert "master coach over the coach's lead coach" not in page


def test_sponsors_managers_and_leads_never_see_flags_on_either_path(client, auth) -> None:
    r = reviewed_recording()
    flag = open_flag(r.recording)
    lead, _master = _lead_with_master(r.world.coach)
    # The master coach over the lead who also manages the coach is refused like any manager.
    managing_person = PersonFactory()
    coach_manager = db.session.get(Person, r.world.coach.manager_id)
    assert coach_manager is not None
    coach_manager.manager_id = managing_person.id
    lead_person_id = lead.person_id
    managing_master = master_supervisor(lead_person_id, person_id=managing_person.id)
    sponsor_master = master_supervisor(lead_person_id)
    db.session.add(RoleGrant(user_id=sponsor_master.id, role=Role.SPONSOR.value))
    others = [lead, managing_master, sponsor_master, UserFactory(roles=[Role.SPONSOR]),
              UserFactory(roles=[Role.MANAGER], person_id=r.world.coach.manager_id),
              UserFactory(roles=[Role.ADMIN])]
    db.session.commit()
    for user in others:
        auth.login(user.email)
        listing = client.get("/transcripts/flags")
        assert listing.status_code in {200, 403}
        text = listing.get_data(as_text=True)
        assert SEGMENT not in text
        if user not in (managing_master, sponsor_master):  # only master coaches get the link
            assert 'href="/transcripts/flags">Sensitive-topic flags</a>' not in text
        assert post_form(client, f"/transcripts/flags/{flag.id}/review",
                         {"note": "x"}).status_code == 403
        auth.logout()

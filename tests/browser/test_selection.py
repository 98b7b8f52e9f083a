"""Journey through a selection sprint in a real browser: a manager nominates a report, the
nominee accepts by the e-mailed link, L&D moves them along the board (once by dragging the
card), a calibrated rater scores the interview, a supervisor verifies practice hours and
reviews a session, the three panel members appoint, the paperwork is drawn up and signed by
coach and manager, and the new coach is matched with a coachee. A second candidate is
rejected and sees only the neutral notice.

The two simulations are scored through the services (the same scoring pages as the interview
would only repeat the steps); every other step goes through the pages.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coachprog.extensions import db
from coachprog.notifications.models import OutboxMessage
from coachprog.roles import Role
from coachprog.selection import domain
from coachprog.selection.models import Candidate
from tests.assessments.builders import calibrate
from tests.browser.journeys import open_menu_item, sign_in
from tests.factories import PersonFactory, UserFactory
from tests.selection.builders import applicant, line, passed_assessment, sprint, stage_rubrics

pytestmark = pytest.mark.browser

REFLECTS = "Reflects back the client's words and meaning"
SILENCE = "Allows silence for the client to think"
NO_ADVICE = "Asks rather than tells or advises"


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def _flash(page: Any, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text).first).to_be_visible()


def _choose(page: Any, label: str, starting: str) -> None:
    """Pick the option of a select whose text starts with `starting`."""
    select = page.get_by_label(label, exact=True)
    value = select.locator("option", has_text=re.compile(f"^{re.escape(starting)}")).first \
        .get_attribute("value")
    select.select_option(value=value)


def _candidate_page(page: Any, candidate: Candidate) -> None:
    page.goto(f"/sprints/{candidate.sprint_id}/candidates/{candidate.id}")


def test_nomination_to_appointment_with_paperwork_and_one_rejection(
    page: Any, console_errors: list[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="coachprog.outbox")
    # The nominee's mailbox: the letters as written, before the development log masks their
    # one-use links (the log never shows a usable link).
    from coachprog.notifications import services as mail

    letters: list[str] = []
    written = mail.log_text
    monkeypatch.setattr(mail, "log_text", lambda letter, **kw: letters.append(
        text := written(letter, **kw)) or text)
    stage_rubrics()
    admin = UserFactory(roles=[Role.ADMIN], display_name="Ada Admin")
    row = sprint(name="Autumn coaches", capacity=2)  # panel: three more people, seated
    members = {m.panel_role: m.user for m in row.panel}
    director, nominee_person = line(1)
    director.name, nominee_person.name = "Dana Director", "Noor Nominee"
    manager = UserFactory(roles=[Role.MANAGER], person_id=director.id,
                          display_name="Dana Director")
    nominee = UserFactory(person_id=nominee_person.id, display_name="Noor Nominee")
    rater = UserFactory(roles=[Role.RATER], display_name="Rita Rater")
    calibrate(rater, "interview")
    lead = UserFactory(roles=[Role.LEAD_COACH], display_name="Lee Lead")
    rejected = applicant(row, PersonFactory(name="Remy Rejected"))
    rejected_user = db.session.scalar(sa.select(type(admin)).where(
        type(admin).person_id == rejected.person_id))
    coachee = PersonFactory(name="Cato Coachee", employee_id="E7777")
    db.session.commit()

    # 1. The manager nominates a report, who is invited by e-mail.
    sign_in(page, manager.email)
    open_menu_item(page, "Selection sprints")
    page.get_by_role("link", name="Nominate someone").click()
    _choose(page, "Person you nominate", "Noor Nominee")
    page.get_by_label("Why you nominate them").fill(
        "Colleagues already bring her their dilemmas, and she asks before she answers.")
    page.get_by_role("button", name="Nominate and invite").click()
    # The tests send no e-mail, so the manager is told L&D hands the link over.
    _flash(page, "Noor Nominee is nominated. This site sends no e-mail")
    _sign_out(page)

    # 2. The nominee accepts through the link in the invitation (no sign-in needed). Without
    # SMTP the e-mail is written to the development log; the outbox no longer holds the link.
    invitation = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "selection.invitation"))
    assert "[one-use link removed after delivery]" in invitation.body
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "coachprog.outbox")
    assert "/sprints/invitations/" in logged and "[masked]" in logged  # the log shows no token
    link = re.search(r"/sprints/invitations/\S+", "\n".join(letters)).group(0)
    page.goto(link)
    expect(page.get_by_text("Colleagues already bring her their dilemmas")).to_be_visible()
    page.get_by_role("button", name="Accept and become a candidate").click()
    expect(page.locator("main")).to_contain_text("candidate")
    candidate = db.session.scalar(sa.select(Candidate).where(
        Candidate.person_id == nominee_person.id))
    assert candidate.stage == "applied"

    # 3. L&D moves her to the interview and creates the interview assessment.
    sign_in(page, admin.email)
    page.goto(f"/sprints/{row.id}")
    card = page.locator(f"#card-{candidate.id}")
    card.get_by_role("button", name="Move to interview").click()
    _flash(page, "Noor Nominee moved to interview")
    _candidate_page(page, candidate)
    expect(page.get_by_text("No interview assessment is recorded")).to_be_visible()
    page.get_by_label("Assessment").select_option(label="Behavioural interview")
    page.get_by_role("button", name="Create assessment").click()
    _flash(page, "The assessment is created")
    page.get_by_label("Rater", exact=True).select_option(
        label=f"{rater.display_name} ({rater.email})")
    page.get_by_role("button", name="Assign rater").click()
    expect(page.get_by_text(f"{rater.display_name} is assigned.")).to_be_visible()
    _sign_out(page)

    # 4. The calibrated rater scores the interview: it closes, passed.
    sign_in(page, rater.email)
    page.goto("/assessments/")
    page.get_by_role("link", name="rater: assigned").click()
    page.get_by_role("group", name=REFLECTS).get_by_role("radio", name=re.compile(r"^5 ")).check()
    page.get_by_role("group", name=SILENCE).get_by_role("radio", name="Present").check()
    page.get_by_role("group", name=re.compile(NO_ADVICE)).get_by_role(
        "radio", name="Present").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".tag.status-closed")).to_have_text("closed")
    _sign_out(page)

    # 5. L&D drags her card onto the simulations column: the same guarded move.
    sign_in(page, admin.email)
    page.goto(f"/sprints/{row.id}")
    page.locator(f"#card-{candidate.id}").drag_to(page.locator(
        ".board-column[data-stage='simulations']"))
    _flash(page, "Noor Nominee moved to simulations")
    db.session.expire_all()
    for key in domain.SIMULATION_RUBRICS:
        passed_assessment(db.session.get(Candidate, candidate.id), key)
    db.session.commit()
    _candidate_page(page, candidate)
    page.get_by_role("button", name="Move to supervised practice").click()
    _flash(page, "moved to supervised practice")

    # The second candidate is rejected with a reason that never reaches them.
    _candidate_page(page, rejected)
    page.locator("#reject").get_by_label(re.compile("Reason")).fill(
        "Application examples were about advising, not coaching.")
    page.get_by_role("button", name="Reject").click()
    _flash(page, "Remy Rejected is rejected")
    _sign_out(page)
    sign_in(page, rejected_user.email)
    page.goto(f"/sprints/{row.id}/candidates/{rejected.id}/mine")
    expect(page.get_by_role("heading", name="Your candidacy has ended")).to_be_visible()
    expect(page.locator("main")).to_contain_text("will not continue in this sprint")
    expect(page.locator("main")).not_to_contain_text("advising, not coaching")
    _sign_out(page)

    # 6. The candidate logs her coached hours; a supervisor verifies them and reviews a session.
    sign_in(page, nominee.email)
    page.goto(f"/sprints/{row.id}/candidates/{candidate.id}/mine")
    page.get_by_label("Date of the session").fill(row.start_date.isoformat())
    page.get_by_label("Length in minutes").fill("480")
    page.get_by_label("Note (optional)").fill("Four pro bono sessions with two peers")
    page.get_by_role("button", name="Log hours").click()
    _flash(page, "480 minutes logged")
    _sign_out(page)
    sign_in(page, lead.email)
    _candidate_page(page, candidate)
    page.get_by_role("button", name="Verify").click()
    _flash(page, "480 minutes verified")
    page.get_by_label("Session reviewed").fill("Session 3, 12 October: career transition")
    page.get_by_label("Review notes").fill("Clear contracting; let silences run longer.")
    page.get_by_role("button", name="Record review").click()
    _flash(page, "Your review is recorded")
    _sign_out(page)

    sign_in(page, admin.email)
    _candidate_page(page, candidate)
    page.get_by_role("button", name="Move to calibration panel").click()
    _flash(page, "moved to calibration panel")
    _sign_out(page)

    # 7. Each panel member finds the decision on their home page and appoints, with reasons.
    for seat in ("hr_ld", "external_master_coach", "business_sponsor"):
        sign_in(page, members[seat].email)
        page.get_by_role("link", name="Panel decision to record: Noor Nominee").click()
        expect(page.get_by_role("heading", name="Assessments that count")).to_be_visible()
        page.get_by_label("Appoint", exact=True).check()
        page.get_by_label("Reasons").fill("Both simulations held a coaching stance throughout.")
        page.get_by_role("button", name="Record decision").click()
        _flash(page, "Your decision is recorded")
        _sign_out(page)

    sign_in(page, admin.email)
    _candidate_page(page, candidate)
    expect(page.get_by_text("appoint (unanimous)")).to_be_visible()
    page.get_by_role("button", name="Move to appointed").click()
    _flash(page, "Noor Nominee is appointed. Next: draw up their paperwork and assign a supervisor")

    # 8. Paperwork: L&D draws it up; matching is refused until coach and manager have signed.
    page.goto(f"/coaching/coaches/{nominee_person.id}/paperwork")
    page.get_by_role("link", name="Draw up paperwork").click()
    page.get_by_label("Protected coaching time (% of working time)").fill("15")
    page.get_by_label("Coachee confidentiality and data-use consent template").select_option(
        index=1)
    page.get_by_label("Role profile: scope").fill("Leadership transitions for new managers.")
    page.get_by_label("Role profile: escalation paths").fill("Wellbeing team; L&D lead.")
    page.get_by_label("Role profile: supervision arrangement").fill("Monthly with Lee Lead.")
    page.get_by_role("button", name="Save paperwork").click()
    expect(page.get_by_text("has not signed the time-allocation agreement").first).to_be_visible()
    page.goto("/coaching/engagements/new")
    _choose(page, "Coach", "Noor Nominee")
    page.get_by_label("Coachee's employee id").fill(coachee.employee_id)
    page.get_by_label("Start date").fill(row.start_date.isoformat())
    page.get_by_label("Goals").fill("Step into the team-lead role with confidence.")
    page.get_by_role("button", name="Match coach and coachee").click()
    expect(page.get_by_role("heading", name="This match cannot be made")).to_be_visible()
    _sign_out(page)

    sign_in(page, nominee.email)
    page.goto(f"/coaching/coaches/{nominee_person.id}/paperwork")
    page.get_by_label(re.compile("I accept the non-evaluator clause")).check()
    page.get_by_role("button", name="Sign the agreement as the coach").click()
    _sign_out(page)
    sign_in(page, manager.email)
    page.get_by_role("link", name="Sign Noor Nominee's coaching time-allocation agreement").click()
    page.get_by_role("button", name="Sign the agreement as the coach's manager").click()
    expect(page.get_by_text("The agreement is signed by both parties.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Leadership transitions")  # agreement only
    _sign_out(page)

    # 9. With the paperwork complete, L&D matches the new coach with a coachee.
    sign_in(page, admin.email)
    page.goto(f"/coaching/coaches/{nominee_person.id}/paperwork")
    expect(page.get_by_text("The paperwork is complete")).to_be_visible()
    page.goto("/coaching/engagements/new")
    _choose(page, "Coach", "Noor Nominee")
    page.get_by_label("Coachee's employee id").fill(coachee.employee_id)
    page.get_by_label("Start date").fill(row.start_date.isoformat())
    page.get_by_label("Goals").fill("Step into the team-lead role with confidence.")
    page.get_by_role("button", name="Match coach and coachee").click()
    expect(page.locator("main")).to_contain_text("Cato Coachee")
    expect(page.get_by_role("heading", name="This match cannot be made")).to_have_count(0)
    # The refused match answered 400 (a form with problems); nothing else went wrong.
    assert [e for e in console_errors if "/coaching/engagements/new" not in e] == []
    assert len(console_errors) <= 1

"""Journey: a trainee who passed the final observed review (real evidence: signed paperwork,
verified ledger hours, a passed capstone, an independent master coach's scored session and the
final gate decision) appears on the certification dashboard; a master coach opens the decision
and approves it, an admin gives the second approval; the coach downloads the certificate PDF
and the public verification page confirms it is valid."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from coachprog.certification.models import Certification
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import set_clock
from coachprog.extensions import db
from coachprog.practicum.supervision import gates
from coachprog.roles import Role
from tests.browser.journeys import create_admin, open_menu_item, sign_in
from tests.certification.certificates.test_services import pdf_text
from tests.coaching.builders import appointed_coach, paperwork
from tests.factories import UserFactory
from tests.practicum.supervision.builders import T0, enrol, log_hours, scored

pytestmark = pytest.mark.browser


def _passed_final_review(app: Flask) -> tuple[Any, Any, Any]:
    """(coach person, coach user, independent master coach) with the final gate passed."""
    coach = appointed_coach(name="Tess Trainee")
    paperwork(coach)
    coach_user = UserFactory(roles=[Role.COACH], person_id=coach.id)
    supervisor = UserFactory(roles=[Role.LEAD_COACH])
    master = UserFactory(roles=[Role.MASTER_COACH], display_name="Maya Master")
    db.session.flush()
    db.session.add(SupervisorAssignment(coach_person_id=coach.id,
                                        supervisor_user_id=supervisor.id))
    set_clock(lambda: T0 + timedelta(days=1))
    try:
        enrol(coach)
        log_hours(coach, coached=25, lab=12, verifier=supervisor)
        scored(coach, rater=supervisor, purpose="capstone")
        scored(coach, rater=master, at=T0 + timedelta(hours=2))
        with app.test_request_context():
            gates.decide_gate(master, coach.id, "final", outcome="passed",
                                             note="Observed review passed")
    finally:
        set_clock(None)
    db.session.commit()
    return coach, coach_user, master


def test_a_trainee_who_passed_the_final_gate_is_certified_and_verified(
        app: Flask, page: Any, console_errors: list[str], tmp_path: Path) -> None:
    coach, coach_user, master = _passed_final_review(app)
    admin = create_admin()

    # A master coach finds the trainee on the dashboard, checks the criteria, opens and approves.
    sign_in(page, master.email)
    open_menu_item(page, "Certification")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certification")
    page.locator("#awaiting").get_by_role("link", name="Tess Trainee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certification: Tess Trainee")
    criteria = page.locator("#criteria-certified_internal_coach")
    expect(criteria).to_contain_text("all met")
    expect(criteria.get_by_role("link", name=re.compile("Decided by Maya Master"))).to_be_visible()
    page.get_by_label("Level").select_option(label="Certified Internal Coach")
    page.get_by_role("button", name="Open a certification decision").click()
    expect(page.get_by_text("Decision opened with every criterion met")).to_be_visible()
    page.get_by_label("Master coach").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("waits for the second approver")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The admin gives the second approval from the dashboard's waiting list.
    sign_in(page, admin.email)
    open_menu_item(page, "Certification")
    page.locator("#pending-table").get_by_role("link", name="Tess Trainee").click()
    page.get_by_label("Admin").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved by both")).to_be_visible()
    expect(page.locator("#certifications")).to_contain_text("valid")
    page.get_by_role("button", name="Sign out").click()

    # The coach downloads the certificate and follows its verification link.
    db.session.rollback()
    cert = db.session.scalars(sa.select(Certification).where(
        Certification.person_id == coach.id)).one()
    sign_in(page, coach_user.email)
    open_menu_item(page, "My certification")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Certificate (PDF)").click()
    pdf = Path(download_info.value.path()).read_bytes()
    text = pdf_text(pdf, tmp_path)
    assert "Tess Trainee" in text and "Certified Internal Coach" in text
    assert cert.verification_code in text

    page.get_by_role("link", name="Public verification page").click()
    expect(page.get_by_role("main")).to_contain_text("Tess Trainee")
    expect(page.get_by_role("main")).to_contain_text("Valid")
    expect(page.get_by_role("main")).to_contain_text(cert.valid_until.strftime("%Y"))
    assert console_errors == []

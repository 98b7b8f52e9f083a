"""Journey: an admin draws a quarter's audit sample from the audits page and verifies it; the
assigned auditor opens the audit (coach pseudonymised), chooses the quarter's session to audit,
scores it as needs development, adds a corrective action and closes it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coachprog.audits.models import Audit, CorrectiveAction
from coachprog.db import utcnow
from coachprog.extensions import db
from tests.audits.builders import auditor, coaches, session_for, supervisor
from tests.browser.journeys import create_admin, open_menu_item, sign_in

pytestmark = pytest.mark.browser


def test_admin_draws_auditor_scores_action_created_and_closed(
        page: Any, console_errors: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from coachprog.audits.fidelity import services as fidelity_services

    monkeypatch.setattr(fidelity_services, "drifting_coach_ids", lambda: set())
    for coach in coaches(5, supervisor()):
        session_for(coach, utcnow().date())  # one session this quarter each (not recorded)
    master = auditor()
    admin = create_admin()
    db.session.commit()

    sign_in(page, admin.email)
    open_menu_item(page, "Audits")
    page.get_by_label("Seed (optional)").fill("17")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit sample")
    page.get_by_role("button", name="Verify by recomputing").click()
    expect(page.locator("#verification")).to_contain_text("Verified")
    page.context.clear_cookies()

    db.session.rollback()
    audit = db.session.scalar(sa.select(Audit).where(Audit.auditor_user_id == master.id))
    assert audit is not None
    coach_name = audit.coach.name
    sign_in(page, master.email)
    open_menu_item(page, "My audits")
    page.get_by_role("link", name=re.compile(r"Coach A-\d{4}")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coach A-")
    assert coach_name not in page.content()
    page.get_by_label("Session to audit").select_option(index=1)
    page.get_by_role("button", name="Audit this session").click()
    expect(page.get_by_text("Session chosen")).to_be_visible()
    expect(page.get_by_role("heading", name="Session under audit")).to_be_visible()
    assert coach_name not in page.content()
    marks = page.locator("select[name^='mark-']")
    for index in range(marks.count()):
        select = marks.nth(index)
        values = select.locator("option").evaluate_all("opts => opts.map(o => o.value)")
        select.select_option(values[-1])
    page.get_by_label("Findings").fill("Advising at 12:30 and 18:10; questions otherwise.")
    page.get_by_label("Outcome").select_option("needs_development")
    page.get_by_role("button", name="Save the audit").click()
    expect(page.get_by_text("Audit saved.")).to_be_visible()

    page.get_by_label("Action").select_option("retraining")
    page.get_by_label("What is to be done").fill("Questioning refresher")
    page.get_by_label("Owner").select_option(str(master.id))
    page.get_by_label("Due on").fill((utcnow().date() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_text("Corrective action added.")).to_be_visible()
    page.get_by_label("Note").fill("Refresher completed")
    page.get_by_role("button", name="Close action").click()
    expect(page.get_by_text("Action closed.")).to_be_visible()

    db.session.rollback()
    action = db.session.scalar(sa.select(CorrectiveAction))
    assert action is not None and action.status == "done"
    decided = db.session.get(Audit, audit.id)
    assert decided is not None and decided.outcome == "needs_development"
    assert decided.session_id is not None and not decided.observed
    assert console_errors == []

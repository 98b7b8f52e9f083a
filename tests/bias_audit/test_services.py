"""The bias audit against the database: grouped counts from SQL, suppression, a significant gap
opening one review item (once), its closure, the CLI's JSON, and the page for L&D and sponsors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coachprog.bias_audit import services
from coachprog.bias_audit.models import BiasReviewItem
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.assessments.builders import assessment
from tests.bias_audit.builders import candidacies, engagement, person, q4_sprint
from tests.conftest import post_form
from tests.factories import UserFactory


def _gap_data() -> None:
    """Q4 2026: 30 women and 30 men applied; 4 women and 20 men went on to interview."""
    sprint = q4_sprint()
    candidacies(sprint, [("woman", "interview", "interview")] * 4
                + [("woman", "rejected", "applied")] * 26
                + [("man", "interview", "interview")] * 20
                + [("man", "rejected", "applied")] * 10)


def _table(audit: services.BiasAudit, section: str, transition: str, attribute: str):
    part = next(p for p in audit.sections if p.key == section)
    return next(t for t in part.report.tables
                if t.transition == transition and t.attribute == attribute)


def test_a_significant_gap_opens_one_review_item(app) -> None:
    _gap_data()
    admin = UserFactory(roles=[Role.ADMIN])
    audit = services.run_audit(admin, "2026Q4", open_reviews=True)
    table = _table(audit, "selection", "Application → interview", "Gender")
    rows = {row.label: row for row in table.rows}
    assert (rows["Women"].entered, rows["Women"].passed) == (30, 4)
    assert rows["Women"].below_four_fifths and rows["Men"].is_reference
    assert [(g.transition, g.attribute, g.group) for g in audit.gaps] == [
        ("Application → interview", "Gender", "Women")]
    items = list(db.session.scalars(sa.select(BiasReviewItem)))
    assert [(i.group_label, i.owner_id, i.status) for i in items] == [
        ("Women", admin.id, "open")]
    again = services.run_audit(admin, "2026Q4", open_reviews=True)
    assert db.session.scalar(sa.select(sa.func.count(BiasReviewItem.id))) == 1
    assert (again.reviews.open, again.reviews.closed) == (1, 0)
    with pytest.raises(DomainError):
        services.close_review(admin, items[0].id, note=" ")
    services.close_review(admin, items[0].id, note="Interview panel retrained; watch Q1.")
    assert services.count_bias_reviews(
        services.domain.bounds("2026Q4")[0], services.domain.bounds("2027Q1")[1]) == {
        "opened": 1, "closed": 1, "open": 0}
    # Another quarter has none of it.
    assert services.run_audit(admin, "2026Q3").gaps == []


def test_small_groups_are_withheld_everywhere(app) -> None:
    sprint = q4_sprint()
    candidacies(sprint, [("woman", "interview", "interview")] * 6
                + [("non_binary", "interview", "interview")] * 2
                + [("man", "rejected", "applied")] * 7)
    audit = services.run_audit(UserFactory(roles=[Role.SPONSOR]), "2026Q4")
    rows = {r.label: r for r in _table(audit, "selection", "Application → interview",
                                       "Gender").rows}
    assert rows["Non-binary people"].suppressed and rows["Non-binary people"].entered is None
    assert audit.items == []  # sponsors see counts of review items, never the items


def test_coaching_offered_received_and_volumes_come_from_sql(app) -> None:
    coach = person(department="L&D")
    for _ in range(5):  # enough people not coached for their group to be shown
        person(department="L&D")
    coachees = [person(department="Sales", location="Leeds") for _ in range(6)]
    for index, coachee in enumerate(coachees):
        engagement(coach, coachee, sessions=2 if index < 5 else 0)
    audit = services.run_audit(UserFactory(roles=[Role.ADMIN]), "2026Q4")
    received = {r.label: r for r in _table(audit, "coaching", "Received coaching",
                                           "Department").rows}
    assert (received["People in Sales"].entered, received["People in Sales"].passed) == (6, 5)
    offered = {r.label: r for r in _table(audit, "coaching", "Offered coaching",
                                          "Location").rows}
    assert offered["People at Leeds"].passed == 6
    volumes = {r.label: r for r in audit.volumes["Department"]}
    assert (volumes["People in Sales"].sessions, volumes["People in Sales"].hours) == (10, 10.0)


def test_the_audit_is_for_ld_and_sponsors_and_is_audited(app) -> None:
    for role in (Role.MASTER_COACH, Role.COACH, Role.MANAGER, Role.RATER):
        with pytest.raises(NotPermitted):
            services.run_audit(UserFactory(roles=[role]), "2026Q4")
    with pytest.raises(NotPermitted):
        services.run_audit(UserFactory(roles=[Role.SPONSOR]), "2026Q4", open_reviews=True)
    with pytest.raises(DomainError, match="write it like 2026Q4"):
        services.run_audit(UserFactory(roles=[Role.ADMIN]), "last quarter")
    services.run_audit(UserFactory(roles=[Role.ADMIN]), "2026Q4")
    assert db.session.scalar(sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "bias_audit.viewed")) == "2026Q4"


def test_cli_prints_the_audit_as_json(app, runner) -> None:
    _gap_data()
    db.session.commit()
    result = runner.invoke(args=["governance", "bias-audit", "--quarter", "2026Q4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["quarter"] == "2026Q4" and data["reviews"] == {"open": 1, "closed": 0}
    assert {s["key"] for s in data["sections"]} == {"selection", "coaching", "practicum",
                                                    "certification", "raters"}
    assert data["significant_gaps"][0]["group"] == "Women"
    assert "person_id" not in result.output and "employee_id" not in result.output
    bad = runner.invoke(args=["governance", "bias-audit", "--quarter", "2026-4"])
    assert bad.exit_code == 2 and "write it like 2026Q4" in bad.output


def test_the_page_shows_aggregates_to_sponsors_and_review_items_to_ld(client, auth) -> None:
    _gap_data()
    db.session.commit()
    auth.login_as(Role.SPONSOR)
    html = client.get("/governance/bias-audit/?quarter=2026Q4").get_data(as_text=True)
    assert "Application → interview" in html and "Women" in html
    assert "Open review items" not in html
    bad = client.get("/governance/bias-audit/?quarter=soon")
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert post_form(client, "/governance/bias-audit/reviews",
                     {"quarter": "2026Q4"}).status_code == 302
    item = db.session.scalar(sa.select(BiasReviewItem))
    assert item is not None
    page = client.get("/governance/bias-audit/?quarter=2026Q4").get_data(as_text=True)
    assert f'id="review-{item.id}"' in page
    assert post_form(client, f"/governance/bias-audit/reviews/{item.id}/close",
                     {"note": "Looked into; panel retrained."}).status_code == 302


def test_rater_decisions_and_severity_by_the_group_of_the_person_assessed(app) -> None:
    rater = UserFactory(roles=[Role.RATER])
    for department, rater_overall, passed in [("Sales", 0.5, False)] * 6 + [
            ("Ops", 0.8, True)] * 6:
        row = assessment(subject=person(department=department), raters=[rater],
                         status="closed")
        row.closed_at = datetime(2026, 11, 3, tzinfo=UTC)
        row.result = {"overall": 0.7, "passed": True}
        for assignment in row.assignments:
            assignment.status, assignment.submitted_at = "submitted", row.closed_at
            assignment.result = {"overall": rater_overall, "passed": passed}
    db.session.flush()
    audit = services.run_audit(UserFactory(roles=[Role.ADMIN]), "2026Q4")
    rows = {r.label: r for r in _table(audit, "raters", "Rater passed", "Department").rows}
    assert (rows["People in Sales"].entered, rows["People in Sales"].passed) == (6, 0)
    assert (rows["People in Ops"].entered, rows["People in Ops"].passed) == (6, 6)
    severity = {r.label: r.mean_deviation for r in audit.severity["Department"]}
    assert severity["People in Sales"] == pytest.approx(-0.2)
    assert severity["People in Ops"] == pytest.approx(0.1)

"""Audit pages through the Flask client: drawing (good and bad input), verify, the auditor's
blind view, deciding, actions, structure, coverage for admins and sponsors; the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from coachprog.audits import services
from coachprog.audits.models import Audit, AuditSample, CorrectiveAction
from coachprog.audits.sampling import services as sampling_services
from coachprog.extensions import db
from coachprog.roles import Role
from tests.audits.builders import ADMIN, auditor, coaches, full_marks, session_for, supervisor
from tests.conftest import post_form


def _world() -> list:
    coaches(6, supervisor())
    coaches(4, supervisor())
    masters = [auditor(), auditor()]
    db.session.commit()
    return masters


def test_admin_draws_verifies_and_redraws(client, auth, clock) -> None:
    _world()
    auth.login_as(Role.ADMIN)
    page = client.get("/audits/").get_data(as_text=True)
    assert "No sample has been drawn yet." in page and 'value="2026Q4"' in page
    bad = post_form(client, "/audits/draw", {"quarter": "2026-4", "percent": "20"})
    assert bad.status_code == 400
    assert "write it like 2026Q4" in bad.get_data(as_text=True)
    low = post_form(client, "/audits/draw", {"quarter": "2026Q4", "percent": "10"})
    assert low.status_code == 400 and "override reason" in low.get_data(as_text=True)
    ok = post_form(client, "/audits/draw", {"quarter": "2026Q4", "seed": "7", "percent": "20"})
    assert ok.status_code == 302
    sample = db.session.query(AuditSample).one()
    detail = client.get(f"/audits/samples/{sample.id}").get_data(as_text=True)
    assert "Stratified random sample (version 1)" in detail and ">7<" in detail
    verified = post_form(client, f"/audits/samples/{sample.id}/verify")
    assert "Verified: recomputing" in verified.get_data(as_text=True)
    again = post_form(client, "/audits/draw", {"quarter": "2026Q4", "percent": "20"})
    assert again.status_code == 400 and "a redraw needs a reason" in again.get_data(as_text=True)
    redraw = post_form(client, "/audits/draw", {"quarter": "2026Q4", "percent": "20",
                                                "redraw_reason": "Wrong roster"})
    assert redraw.status_code == 302
    listing = client.get("/audits/").get_data(as_text=True)
    assert "Superseded: Wrong roster" in listing and "Current" in listing


def test_auditor_sees_only_assigned_pseudonymised_and_decides(client, auth, clock) -> None:
    masters = _world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=3)
    db.session.commit()
    audit = sample.audits[0]
    mine = next(m for m in masters if m.id == audit.auditor_user_id)
    not_mine = next((a for a in sample.audits if a.auditor_user_id != mine.id), None)
    sess = session_for(audit.coach, date(2026, 11, 3))
    coach_name = audit.coach.name
    db.session.commit()
    auth.login(mine.email)
    listing = client.get("/audits/mine").get_data(as_text=True)
    assert f"Coach A-{audit.id:04d}" in listing and coach_name not in listing
    page = client.get(f"/audits/audits/{audit.id}")
    assert page.status_code == 200
    assert coach_name not in page.get_data(as_text=True)
    if not_mine is not None:
        assert client.get(f"/audits/audits/{not_mine.id}").status_code == 403
    bad = post_form(client, f"/audits/audits/{audit.id}", {"outcome": "", "findings": ""})
    assert bad.status_code == 400
    assert "Write the findings" in bad.get_data(as_text=True)
    ok = post_form(client, f"/audits/audits/{audit.id}", {
        "session_id": str(sess.id), "findings": "Mostly questions; one advice moment.",
        "outcome": "needs_development",
        **{f"mark-{k}": v for k, v in full_marks().items()}})
    assert ok.status_code == 302
    add_bad = post_form(client, f"/audits/audits/{audit.id}/actions", {"kind": "retraining"})
    assert add_bad.status_code == 400 and "Give a due date." in add_bad.get_data(as_text=True)
    add = post_form(client, f"/audits/audits/{audit.id}/actions", {
        "kind": "extra_supervision", "description": "Two supervised sessions",
        "owner_user_id": str(mine.id), "due_on": "2026-12-20"})
    assert add.status_code == 302
    action = db.session.query(CorrectiveAction).one()
    shown = client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)
    assert "Two supervised sessions" in shown and "Needs development" in shown
    assert coach_name not in shown
    closed = post_form(client, f"/audits/actions/{action.id}/close",
                       {"status": "done", "note": "Both held"})
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(CorrectiveAction, action.id).status == "done"
    assert db.session.get(Audit, audit.id).outcome == "needs_development"
    assert "Both held" in client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)


def test_admin_resolves_serious_concern(client, auth, clock) -> None:
    masters = _world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=3)
    audit = sample.audits[0]
    user = next(m for m in masters if m.id == audit.auditor_user_id)
    services.decide(user, audit.id, session_id=None, observed=True, findings="Directive.",
                    outcome="serious_concern", marks=full_marks("min"))
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)
    assert "new matches for this coach are suspended" in page
    assert audit.coach.name in page  # admins see the name
    empty = post_form(client, f"/audits/audits/{audit.id}/resolve", {"note": ""})
    assert empty.status_code == 400
    done = post_form(client, f"/audits/audits/{audit.id}/resolve", {"note": "Re-observed"})
    assert done.status_code == 302
    assert "Resolved" in client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)


def test_structure_and_events(client, auth, clock) -> None:
    _world()
    coaches(1)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = client.get("/audits/structure").get_data(as_text=True)
    assert "has no supervisor." in page
    bad = post_form(client, "/audits/events", {"kind": "", "title": ""})
    assert bad.status_code == 400 and "Give the event a title." in bad.get_data(as_text=True)
    ok = post_form(client, "/audits/events", {"kind": "case_clinic", "title": "Nov clinic",
                                               "held_on": "2026-11-05"})
    assert ok.status_code == 302
    assert "Nov clinic" in client.get("/audits/structure").get_data(as_text=True)
    # Attendees are typed as the invitation lists them; strangers are named, nothing is lost.
    came = coaches(2)
    db.session.commit()
    typed = f"{came[0].email}; {came[1].employee_id}, stranger@x.org"
    refused = post_form(client, "/audits/events", {
        "kind": "calibration_session", "title": "Q4 calibration", "held_on": "2026-11-20",
        "attendees": typed})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'role="alert"' in page
    assert "Not in the directory (check the address or employee id): stranger@x.org." in page
    assert typed in page  # the field keeps what was typed
    done = post_form(client, "/audits/events", {
        "kind": "calibration_session", "title": "Q4 calibration", "held_on": "2026-11-20",
        "attendees": typed.removesuffix(", stranger@x.org")})
    assert done.status_code == 302
    page = client.get("/audits/structure").get_data(as_text=True)
    assert f"2: {came[0].name}, {came[1].name}" in page or \
        f"2: {came[1].name}, {came[0].name}" in page
    # No list of every coach: the form's only options are the event kinds.
    assert page.split("Record an event")[1].count("<option") == 3


def test_coverage_admin_and_sponsor(client, auth, clock) -> None:
    _world()
    sampling_services.draw(ADMIN, "2026Q4", seed=3)
    db.session.commit()
    clock[0] = datetime(2027, 1, 4, tzinfo=UTC)
    auth.login_as(Role.ADMIN)
    page = client.get("/audits/coverage?quarter=2026Q4").get_data(as_text=True)
    assert "Breach:" in page and "<svg" in page
    assert client.get("/audits/coverage?quarter=bad").status_code == 400
    auth.logout()
    auth.login_as(Role.SPONSOR)
    sponsor = client.get("/audits/coverage?quarter=2026Q4").get_data(as_text=True)
    assert "Fewer than 5 coaches: not shown" in sponsor


def test_cli_sample_json_and_errors(runner, clock) -> None:
    _world()
    result = runner.invoke(args=["audits", "sample", "--quarter", "2026Q4", "--seed", "11",
                                 "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["seed"] == 11 and record["method_version"] == "stratified-es-1"
    assert len(record["drawn"]) >= 2 and len(record["population"]) == 10
    again = runner.invoke(args=["audits", "sample", "--quarter", "2026Q4"])
    assert again.exit_code != 0 and "redraw needs a reason" in again.output
    bad = runner.invoke(args=["audits", "sample", "--quarter", "nope"])
    assert bad.exit_code != 0 and "2026Q4" in bad.output
    verify = runner.invoke(args=["audits", "verify", "--quarter", "2026Q4"])
    assert verify.exit_code == 0 and "matches" in verify.output
    plain = runner.invoke(args=["audits", "sample", "--quarter", "2026Q4", "--seed", "2",
                                "--redraw-reason", "test"])
    assert plain.exit_code == 0 and "drew" in plain.output


@pytest.mark.parametrize(("args", "message"), [
    (["--quarter", "2026Q5"], "is not a quarter; write it like 2026Q4"),
    (["--quarter", "Q4"], "is not a quarter"),
    (["--quarter", "2026Q4", "--percent", "10"], "needs an override reason"),
    (["--quarter", "2026Q4", "--percent", "0"], "more than 0 and at most 100"),
    (["--quarter", "2026Q4", "--percent", "120"], "more than 0 and at most 100"),
    (["--quarter", "2026Q4", "--seed", "-1"], "seed must be a whole number"),
    (["--quarter", "2026Q4", "--seed", "abc"], "is not a valid integer"),
    ([], "Missing option '--quarter'"),
])
def test_cli_sample_bad_input_is_refused_plainly(runner, clock, args, message) -> None:
    _world()
    result = runner.invoke(args=["audits", "sample", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert db.session.query(AuditSample).count() == 0


def test_cli_redraw_needs_reason_and_verify_unknown_quarter(runner, clock) -> None:
    _world()
    assert runner.invoke(args=["audits", "sample", "--quarter", "2026Q4"]).exit_code == 0
    again = runner.invoke(args=["audits", "sample", "--quarter", "2026Q4", "--seed", "3"])
    assert again.exit_code == 1 and "a redraw needs a reason" in again.output
    blank = runner.invoke(args=["audits", "sample", "--quarter", "2026Q4",
                                "--redraw-reason", "   "])
    assert blank.exit_code == 1 and "a redraw needs a reason" in blank.output
    assert db.session.query(AuditSample).count() == 1
    missing = runner.invoke(args=["audits", "verify", "--quarter", "2027Q1"])
    assert missing.exit_code == 1 and "No sample for 2027Q1" in missing.output
    nonsense = runner.invoke(args=["audits", "verify", "--quarter", "2026Q5"])
    assert nonsense.exit_code == 1 and "is not a quarter" in nonsense.output


def test_sample_page_pages_its_tables_and_reassigns_on_its_own_page(client, auth, clock,
                                                                   app, monkeypatch) -> None:
    from coachprog.audits import views

    masters = _world()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=5, percent=50)
    db.session.commit()
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 2)
    monkeypatch.setattr(views, "POPULATION_PAGE_SIZE", 4)
    auth.login_as(Role.ADMIN)
    first = client.get(f"/audits/samples/{sample.id}").get_data(as_text=True)
    assert "1–2 of 5" in first and "1–4 of 10" in first
    # No auditor list per row: one link each to the reassign page.
    assert first.count("<option") == 0 and first.count("/assign\"") == 2
    last = client.get(f"/audits/samples/{sample.id}?page=3&population_page=3"
                      ).get_data(as_text=True)
    assert "5–5 of 5" in last and "9–10 of 10" in last
    assert f"/audits/samples/{sample.id}?population_page=3&amp;page=2" in last
    # Nonsense page numbers fall back to the first page rather than failing.
    odd = client.get(f"/audits/samples/{sample.id}?page=x&population_page=-2")
    assert odd.status_code == 200 and "1–2 of 5" in odd.get_data(as_text=True)
    audit = sample.audits[0]
    other = next(m for m in masters if m.id != audit.auditor_user_id)
    form = client.get(f"/audits/audits/{audit.id}/assign").get_data(as_text=True)
    assert audit.coach.name in form and f'value="{other.id}"' in form
    assert "open)" in form  # each auditor's current load
    empty = post_form(client, f"/audits/audits/{audit.id}/assign", {"auditor_user_id": ""})
    assert empty.status_code == 302
    assert "Choose an auditor." in client.get(empty.location).get_data(as_text=True)
    done = post_form(client, f"/audits/audits/{audit.id}/assign",
                     {"auditor_user_id": str(other.id)})
    assert done.status_code == 302
    db.session.refresh(audit)
    assert audit.auditor_user_id == other.id
    assert client.get("/audits/audits/999999/assign").status_code == 404


def test_a_large_structure_lists_each_leads_coaches_on_request(client, auth, clock,
                                                               monkeypatch) -> None:
    from coachprog.audits import views

    first_lead, second_lead = supervisor(), supervisor()
    mine, theirs = coaches(3, first_lead), coaches(2, second_lead)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    small = client.get("/audits/structure").get_data(as_text=True)
    assert all(c.name in small for c in mine + theirs) and "List their" not in small
    monkeypatch.setattr(views, "TREE_FULL_LIMIT", 4)
    big = client.get("/audits/structure").get_data(as_text=True)
    assert not any(c.name in big.split("<h2>Supervision events")[0] for c in mine + theirs)
    lead_id = first_lead.person_id
    link = f'href="/audits/structure?supervisor={lead_id}#node-{lead_id}">List their 3 coaches'
    assert link in big
    opened = client.get(f"/audits/structure?supervisor={lead_id}").get_data(as_text=True)
    tree = opened.split("<h2>Supervision events")[0]
    assert all(c.name in tree for c in mine) and not any(c.name in tree for c in theirs)
    assert "List their 2 coaches" in tree
    # A nonsense or unknown id just leaves everything folded.
    for odd in ("x", "99999999999999999999", "0"):
        page = client.get(f"/audits/structure?supervisor={odd}")
        assert page.status_code == 200 and "List their 3 coaches" in page.get_data(as_text=True)


def test_group_labels_in_words_and_neutral_for_sponsors(client, auth, clock) -> None:
    # Issue 21: groups read "Coaches supervised by …", never "Name (#3)"; a sample stored
    # before that still shows words; sponsors see neutral group labels, no one's name.
    sups = [supervisor(), supervisor()]
    coaches(6, sups[0])
    coaches(5, sups[1])
    auditor(), auditor()
    db.session.commit()
    sample = sampling_services.draw(ADMIN, "2026Q4", seed=3)
    db.session.commit()
    assert all("(#" not in m["stratum"] for m in sample.population)
    # An old stored label, rendered in words at display time.
    legacy = [dict(m, stratum=f"{sups[0].display_name} (#{sups[0].id})")
              if m["stratum"].endswith(sups[0].display_name) else m for m in sample.population]
    sample.population = legacy
    db.session.commit()
    auth.login_as(Role.ADMIN)
    detail = client.get(f"/audits/samples/{sample.id}").get_data(as_text=True)
    assert f"Coaches supervised by {sups[0].display_name}" in detail and "(#" not in detail
    clock[0] = datetime(2027, 1, 4, tzinfo=UTC)
    page = client.get("/audits/coverage?quarter=2026Q4").get_data(as_text=True)
    assert "Coaches supervised by" in page and "(#" not in page
    auth.logout()
    auth.login_as(Role.SPONSOR)
    sponsor = client.get("/audits/coverage?quarter=2026Q4").get_data(as_text=True)
    assert "(#" not in sponsor and "Coaches supervised by" not in sponsor
    assert all(s.display_name not in sponsor for s in sups)
    assert "Supervisor group 1" in sponsor


def test_stratum_words_reads_old_labels() -> None:
    from coachprog.audits.sampling import domain
    assert domain.stratum_words("Pablo Zhou (#3)") == "Coaches supervised by Pablo Zhou"
    assert domain.stratum_words("(no supervisor)") == "Coaches with no supervisor"
    assert domain.stratum_words("Coaches supervised by Ana") == "Coaches supervised by Ana"

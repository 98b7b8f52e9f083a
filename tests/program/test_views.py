"""Program pages, CLI, API, PDF and CSV: the same figures, aggregates only, locked gates."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
import sqlalchemy as sa
from markupsafe import escape

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.program.charter import services as charters
from coachprog.program.charter.models import ProgramGate, ProgramGateChange
from coachprog.program.metrics.models import ProgramLeader
from coachprog.program.scorecard import services as scorecard
from coachprog.roles import Role
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.program.builders import kpi_csv, program


def test_a_locked_gate_changes_only_with_a_reason_kept_in_its_history(auth, client) -> None:
    gate_id = program()["gate_id"]
    auth.login_as("admin")
    url = f"/program/gates/{gate_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "the gates are locked" in page
    changed = {"name": "3-month review", "due_on": "2026-06-01",
               "criteria": "sessions_per_leader >= 2, stop < 1"}
    refused = post_form(client, url, changed)
    assert refused.status_code == 400
    assert "say why it changes" in refused.get_data(as_text=True)
    assert db.session.get(ProgramGate, gate_id).criteria[0]["go"] == 3
    done = post_form(client, url, {**changed, "reason": "Sessions started a month late."})
    assert done.status_code == 302
    db.session.expire_all()
    history = db.session.scalars(sa.select(ProgramGateChange).where(
        ProgramGateChange.gate_id == gate_id).order_by(ProgramGateChange.id)).all()
    assert [h.kind for h in history] == ["created", "changed"]
    assert history[1].locked and history[1].reason == "Sessions started a month late."
    assert history[1].before["criteria"][0]["go"] == 3
    gate_page = client.get(f"/program/gates/{gate_id}").get_data(as_text=True)
    assert "Sessions started a month late." in gate_page


def test_a_new_gate_after_the_start_needs_a_reason_too() -> None:
    program()
    with pytest.raises(DomainError):
        charters.create_gate(SystemActor("t"), name="late", due_on=charters.today(),
                             criteria="leaders_coached >= 5")


def test_the_gate_decision_records_who_when_why(auth, client) -> None:
    gate_id = program()["gate_id"]
    admin = auth.login_as("admin")
    assert post_form(client, f"/program/gates/{gate_id}/decision",
                     {"decision": "go", "reason": "short"}).status_code == 400
    response = post_form(client, f"/program/gates/{gate_id}/decision",
                         {"decision": "iterate", "reason": "Adoption is slower than planned."})
    assert response.status_code == 302
    gate = db.session.get(ProgramGate, gate_id)
    assert (gate.decision, gate.decided_by_id) == ("iterate", admin.id)
    assert gate.decided_at is not None


def test_the_sponsor_reads_the_dashboard_without_a_person(auth, client) -> None:
    program()
    auth.login_as("sponsor")
    page = client.get("/program/").get_data(as_text=True)
    assert "Return on investment" in page and "low" in page and "high" in page
    assert "<svg" in page and "2026-01" in page  # the KPI chart with its dated axis
    assert "E1," not in page and "Edit the charter" not in page
    # Every count source is registered at app start (safeguarding, policy, bias audit).
    assert "Escalations" in page and "not recorded yet" not in page


def test_charter_form_refuses_bad_input_and_saves_good(auth, client) -> None:
    auth.login_as("admin")
    bad = post_form(client, "/program/charter", {"title": ""})
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    from coachprog.seed.program import CHARTER

    form = {key: value for key, value in CHARTER.items()
            if key not in ("checklist", "higher_is_better")}
    form.update(coach_time_share="0.3", check_sponsor_signoff="y")
    outside = post_form(client, "/program/charter", form)
    assert outside.status_code == 400 and "outside it" in outside.get_data(as_text=True)
    form["coach_time_share"] = "0.15"
    assert post_form(client, "/program/charter", form).status_code == 302
    charter = charters.require_charter()
    assert charter.kpi_name == "approval_cycle_days" and charter.checklist["sponsor_signoff"]


def test_import_stores_pseudonyms_only_and_refuses_bad_files(auth, client) -> None:
    program(data=False)
    auth.login_as("admin")
    ok = post_form(client, "/program/import", {"file": (io.BytesIO(kpi_csv()), "kpi.csv")},
                   content_type="multipart/form-data")
    assert ok.status_code == 302
    keys = db.session.scalars(sa.select(ProgramLeader.pseudonym)).all()
    assert len(keys) == 24 and all(k.startswith("L-") and "E" not in k[2:] for k in keys)
    again = post_form(client, "/program/import", {"file": (io.BytesIO(kpi_csv()), "kpi.csv")},
                      content_type="multipart/form-data")
    assert again.status_code == 302  # the same rows again change nothing
    assert db.session.scalar(sa.select(sa.func.count(ProgramLeader.id))) == 24
    bad = post_form(client, "/program/import",
                    {"file": (io.BytesIO(b"employee_id\nE1\n"), "kpi.csv")},
                    content_type="multipart/form-data")
    assert bad.status_code == 400 and "the header lacks" in bad.get_data(as_text=True)


def test_cli_report_json_has_the_issue_shape(runner) -> None:
    program()
    result = runner.invoke(args=["program", "report", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == ["charter", "gates", "roi", "tiers", "scorecard", "levels"]
    assert {"kpi", "baseline", "target_6m", "target_12m", "sponsor"} <= set(report["charter"])
    gate = report["gates"][0]
    assert {"name", "due", "criteria", "status", "decision"} <= set(gate)
    roi = report["roi"]
    assert isinstance(roi["cost"], float)
    for key in ("benefit", "percent", "payback_months"):
        assert set(roi[key]) == {"low", "base", "high"}
    assert roi["benefit"]["low"] <= roi["benefit"]["base"] <= roi["benefit"]["high"]
    assert set(report["tiers"]) == {"1", "2", "3"}
    # Registered at app start by the safeguarding domain: a count, never "not recorded".
    assert isinstance(report["scorecard"]["escalations"], int)


def test_scorecard_sources_register_and_count(monkeypatch: pytest.MonkeyPatch) -> None:
    program()
    # A copy of the registry: the sources registered at app start come back afterwards.
    monkeypatch.setattr(scorecard, "_sources", dict(scorecard._sources))
    scorecard.register_scorecard_source("opt_outs", lambda since, until: 2)
    from coachprog.program.services import build_report

    assert build_report(SystemActor("t"))["scorecard"]["opt_outs"] == 2
    scorecard.unregister_scorecard_source("opt_outs")
    assert build_report(SystemActor("t"))["scorecard"]["opt_outs"] is None
    with pytest.raises(ValueError, match="unknown scorecard count"):
        scorecard.register_scorecard_source("complaints", lambda since, until: 0)


def test_the_scorecard_counts_the_opt_outs_recorded_in_governance() -> None:
    from coachprog.policy.domain import OptOutKind
    from coachprog.policy.models import OptOut
    from coachprog.program.services import build_report
    from tests.factories import PersonFactory

    program()
    before = build_report(SystemActor("t"))["scorecard"]["opt_outs"]
    assert before is not None  # registered at app start, so never "not recorded yet"
    db.session.add(OptOut(person_id=PersonFactory().id, kind=OptOutKind.RECORDING.value))
    db.session.flush()
    assert build_report(SystemActor("t"))["scorecard"]["opt_outs"] == before + 1


def _api(client, role: str, url: str):
    user = UserFactory(roles=[Role(role)])
    _, secret = create_api_token(SystemActor("test"), user, name="t")
    db.session.commit()
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


def test_api_metrics_by_department_has_the_issue_shape(client) -> None:
    program()
    body = _api(client, "sponsor", "/api/v1/program/metrics?group_by=department").get_json()
    assert set(body) == {"groups", "total"}
    for group in body["groups"]:
        assert "key" in group and ("n" in group or group == {"key": group["key"],
                                                             "suppressed": True})
    # 3 departments of 4 coached leaders: all withheld, and the total with them (12 = 3 × 4
    # would tell each department's size).
    assert all(g.get("suppressed") for g in body["groups"])
    assert body["total"] == {"suppressed": True}
    bad = _api(client, "admin", "/api/v1/program/metrics?group_by=name")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert _api(client, "coach", "/api/v1/program/metrics").status_code == 403


def test_api_without_a_charter_is_a_problem(client) -> None:
    response = _api(client, "admin", "/api/v1/program/metrics")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "charter" in response.get_json()["detail"]


def test_api_shows_groups_of_five_or_more(client) -> None:
    program(data=False)
    from coachprog.program.metrics import services as metrics

    metrics.import_observations(SystemActor("t"), kpi_csv(coached=15, departments=(
        "Sales", "Legal", "Finance")), source="t")
    db.session.commit()
    body = _api(client, "admin", "/api/v1/program/metrics?group_by=department").get_json()
    assert [g["n"] for g in body["groups"]] == [5, 5, 5]
    assert body["total"]["n"] == 15


def test_pdf_is_one_page_with_the_same_figures(auth, client, tmp_path) -> None:
    program()
    auth.login_as("sponsor")
    response = client.get("/program/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    # poppler-utils, installed by `make browser-deps`
    text = subprocess.run(["pdftotext", str(path), "-"],  # noqa: S603, S607
                          capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)],  # noqa: S603, S607
                          capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    from coachprog.program.services import build_report

    roi = build_report(SystemActor("t"))["roi"]
    assert f"EUR {roi['benefit']['base']:,.0f}" in text
    assert "Return on investment" in text and "Adverse effects" in text
    flat = " ".join(text.split())
    for name in ("1. Reaction", "2. Learning", "3. Application", "4. Impact", "5. ROI",
                 "Intangibles"):
        assert name in flat, name
    assert f"ROI low {roi['percent']['low']:,.2f}".rstrip("0").rstrip(".") in flat


def test_csv_exports_every_table(auth, client) -> None:
    program()
    auth.login_as("admin")
    roi = client.get("/program/export/roi.csv").get_data(as_text=True).splitlines()
    assert roi[0] == "scenario,cost,benefit,roi_percent,payback_months,method"
    assert [line.split(",")[0] for line in roi[1:]] == ["low", "base", "high"]
    groups = client.get("/program/export/groups_by_department.csv").get_data(as_text=True)
    assert "yes" in groups  # withheld groups say so, with no figures
    assert client.get("/program/export/nothing.csv").status_code == 404
    for name in ("charter", "gates", "tier1", "tier2", "tier3", "scorecard",
                 "groups_by_level", "groups_by_cohort"):
        assert client.get(f"/program/export/{name}.csv").status_code == 200, name


def test_cli_report_json_has_the_five_phillips_levels_in_order(runner) -> None:
    program()
    report = json.loads(runner.invoke(args=["program", "report", "--json"]).output)
    levels = report["levels"]
    assert [(lv["level"], lv["name"]) for lv in levels] == [
        (1, "Reaction"), (2, "Learning"), (3, "Application"), (4, "Impact"), (5, "ROI")]
    tier1, tier2, roi = report["tiers"]["1"], report["tiers"]["2"], report["roi"]
    # The report's own figures, not new ones.
    if "usefulness" in tier2:
        assert levels[0]["figures"]["usefulness"]["mean"] == tier2["usefulness"]["mean"]
    else:
        assert levels[0]["summary"] == "No usefulness ratings imported yet."
    if tier1["fidelity_pct"] is not None:
        assert levels[1]["figures"]["fidelity_pct"] == tier1["fidelity_pct"]
    assert levels[3]["figures"]["improvement"] == roi["improvement"]
    assert levels[4]["figures"]["percent"] == roi["percent"]
    assert levels[4]["figures"]["benefit"] == roi["benefit"]
    assert levels[4]["intangibles"] == roi["intangibles"]
    assert all(level["summary"] for level in levels)


def test_levels_without_data_say_so_in_words(auth, client) -> None:
    from coachprog.program.services import build_report

    levels = build_report(SystemActor("t"))["levels"]  # no charter, nothing imported
    assert [level["has_data"] for level in levels] == [False] * 5
    assert levels[0]["summary"] == "No usefulness ratings imported yet."
    assert levels[2]["summary"] == "No follow-through or observed-behaviour ratings imported yet."
    assert levels[3]["summary"] == levels[4]["summary"] == (
        "No charter yet, so no KPI to isolate.")
    auth.login_as("admin")
    page = client.get("/program/").get_data(as_text=True)
    assert "Level 1, Reaction:" in page and "No usefulness ratings imported yet." in page
    assert "Level 5, ROI:" in page


def test_the_dashboard_shows_the_chain_with_its_figures(auth, client) -> None:
    program()
    auth.login_as("sponsor")
    page = client.get("/program/").get_data(as_text=True)
    from coachprog.program.services import build_report

    levels = build_report(SystemActor("t"))["levels"]
    positions = [page.index(f"Level {n}, {name}:") for n, name in
                 enumerate(("Reaction", "Learning", "Application", "Impact", "ROI"), 1)]
    assert positions == sorted(positions)
    for level in levels:
        assert str(escape(level["summary"])) in page
    assert "Intangibles (beside level 5, not monetised)" in page


def test_application_level_reads_follow_through_and_observed_behaviours() -> None:
    program()
    from coachprog.program.metrics import services as metrics
    from coachprog.program.services import build_report

    rows = ["employee_id,group,tier,metric,date,value"]
    rows += [f"E{i},coached,2,follow_through,2026-05-15,{3 + i % 2}" for i in range(12)]
    rows += [f"E{i},coached,2,observed_delegation,2026-05-15,3.5" for i in range(12)]
    metrics.import_observations(SystemActor("t"), ("\n".join(rows) + "\n").encode(),
                                source="t")
    db.session.commit()
    application = build_report(SystemActor("t"))["levels"][2]
    assert application["has_data"]
    assert application["figures"] == {"follow_through": {"mean": 3.5, "leaders": 12},
                                      "observed_delegation": {"mean": 3.5, "leaders": 12}}
    assert application["summary"] == ("Follow through 3.5 (12 coached leaders); "
                                      "Observed delegation 3.5 (12 coached leaders).")

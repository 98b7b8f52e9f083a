"""The calibration pages: create, follow, close, results, own calibrations and drift."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from coachprog.assessments.exercises import services
from coachprog.assessments.exercises.views import scoring_url
from coachprog.assessments.models import Assessment
from coachprog.authority import SystemActor
from coachprog.calibration.models import CalibrationExercise, RaterCalibration
from coachprog.extensions import db
from coachprog.roles import Role
from tests.assessments.exercises.test_drift import _live_moderated
from tests.calibration import builders
from tests.calibration.builders import (
    GOLD,
    at,
    exercise,
    gold_id_of,
    marks,
    rubric_version,
    score,
    score_all,
    user,
)
from tests.conftest import post_form, statements_for


def link(app, assignment_id: int) -> str:
    with app.test_request_context():
        return scoring_url(assignment_id)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def assert_no_inline_style_or_script(html: str) -> None:
    # The CSP forbids both; the chart is drawn with attributes and classes only.
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


# --- create -------------------------------------------------------------------------------------


def test_admin_creates_an_exercise_through_the_form(client, auth):
    auth.login_as("admin")
    version = rubric_version()
    gold = user(Role.MASTER_COACH, display_name="Gina Gold")
    ana, bo = user(Role.RATER, display_name="Ana"), user(Role.RATER, display_name="Bo")
    db.session.commit()

    page = client.get("/calibration/new")
    assert page.status_code == 200
    html = text_of(page)
    assert "Gina Gold" in html and version.label in html and "Ana" in html
    assert_no_inline_style_or_script(html)

    response = post_form(client, "/calibration/new", {
        "title": "Spring calibration", "rubric_version_id": version.id,
        "gold_rater_id": gold.id, "rater_ids": [ana.id, bo.id],
        "new_items": "Recording one\n\nRecording two\n",
    })

    assert response.status_code == 302
    created = db.session.scalars(sa.select(CalibrationExercise)).one()
    assert response.headers["Location"] == f"/calibration/{created.id}"
    assert created.title == "Spring calibration"
    assert len(created.items) == 2
    assert created.participant_ids == {ana.id, bo.id}


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "Give the exercise a title."),
    ({"rater_ids": []}, "Choose at least one rater to take part."),
    ({"new_items": ""}, "an exercise needs at least one item"),
    ({"gold_rater_id": "999999"}, "Not a valid choice"),
    ({"rater_ids": ["abc"]}, "Invalid choice"),
])
def test_create_form_shows_errors_next_to_the_field(client, auth, change, message):
    auth.login_as("admin")
    version = rubric_version()
    gold, ana = user(Role.MASTER_COACH), user(Role.RATER)
    db.session.commit()
    data = {"title": "Spring", "rubric_version_id": version.id, "gold_rater_id": gold.id,
            "rater_ids": [ana.id], "new_items": "Recording one"}
    data.update(change)

    response = post_form(client, "/calibration/new", data)

    assert response.status_code == 400
    html = text_of(response)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationExercise)) == 0


def test_create_without_csrf_token_is_refused(client, auth):
    auth.login_as("admin")
    response = client.post("/calibration/new", data={"title": "Spring"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationExercise)) == 0


# --- the exercise page --------------------------------------------------------------------------


def test_participant_sees_pseudonyms_and_their_own_scoring_links_only(app, client, auth):
    ana = auth.login_as("rater", display_name="Ana Rater")
    bo = user(Role.RATER, display_name="Bo Otherrater")
    ex = exercise(raters=[ana, bo], items=2)
    score(ex.items[0], gold_id_of(ex), marks(4, 2, 1), role="gold", note="GOLD-NOTE-SECRET")
    db.session.commit()

    response = client.get(f"/calibration/{ex.id}")

    assert response.status_code == 200
    html = text_of(response)
    for item in ex.items:
        assert item.subject_pseudonym in html
        mine = next(a for a in item.assignments if a.rater_id == ana.id)
        assert f'href="{link(app, mine.id)}"' in html
        theirs = next(a for a in item.assignments if a.rater_id == bo.id)
        assert f'href="{link(app, theirs.id)}"' not in html
        gold = next(a for a in item.assignments if a.role == "gold")
        assert f'href="{link(app, gold.id)}"' not in html
    # No other rater, no gold marks or notes; evidence titles are on each item's scoring page.
    assert "Recording 1" not in html
    assert "Bo Otherrater" not in html
    assert "GOLD-NOTE-SECRET" not in html
    assert "Close and decide" not in html
    assert_no_inline_style_or_script(html)


def test_the_gold_master_coach_gets_the_gold_scoring_link(app, client, auth):
    gold = auth.login_as("master_coach")
    ex = exercise(raters=[user(Role.RATER)], gold=gold, items=1)
    item = ex.items[0]
    gold_assignment = next(a for a in item.assignments if a.role == "gold")

    html = text_of(client.get(f"/calibration/{ex.id}"))

    assert f'href="{link(app, gold_assignment.id)}"' in html
    assert "Record gold marks" in html
    score(item, gold.id, marks(4, 2, 1), role="gold")
    db.session.commit()

    html = text_of(client.get(f"/calibration/{ex.id}"))

    assert "See gold marks" in html and "Record gold marks" not in html


def test_admin_sees_every_rater_and_the_close_button(client, auth):
    auth.login_as("admin")
    ana, bo = user(Role.RATER, display_name="Ana"), user(Role.RATER, display_name="Bo")
    ex = exercise(raters=[ana, bo], items=1)

    html = text_of(client.get(f"/calibration/{ex.id}"))

    assert "Ana" in html and "Bo" in html
    assert f'action="/calibration/{ex.id}/close"' in html
    assert "<td>Recording 1</td>" in html  # which evidence each item is


def test_scorer_sees_what_a_calibration_item_is_on_its_scoring_page(client, auth):
    ana = auth.login_as("rater")
    ex = exercise(raters=[ana], items=1)
    item = ex.items[0]
    item.evidence.description = "Team lead, second session, 28 minutes"
    item.evidence.link = "https://intranet.example.com/rec/2"
    db.session.commit()
    mine = next(a for a in item.assignments if a.rater_id == ana.id)

    html = text_of(client.get(f"/assessments/assignments/{mine.id}"))

    assert "Recording 1" in html
    assert "Team lead, second session, 28 minutes" in html
    assert "https://intranet.example.com/rec/2" in html


def test_unknown_exercise_is_not_found(client, auth):
    auth.login_as("admin")
    assert client.get("/calibration/999999").status_code == 404
    assert client.get("/calibration/999999/results").status_code == 404


# --- close and results ---------------------------------------------------------------------------


def test_admin_closes_the_exercise_and_sees_the_results(client, auth):
    auth.login_as("admin")
    ana, bo = user(Role.RATER, display_name="Ana"), user(Role.RATER, display_name="Bo")
    ex = exercise(raters=[ana, bo], items=3)
    score_all(ex, gold_id_of(ex), GOLD, {
        ana.id: GOLD,
        bo.id: [marks(5, 5, 1), marks(5, 5, 1), marks(5, 5, 1)],
    })

    response = post_form(client, f"/calibration/{ex.id}/close")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/calibration/{ex.id}/results"
    decided = {d.rater_id: d for d in db.session.scalars(sa.select(RaterCalibration))}
    assert decided[ana.id].calibrated and not decided[bo.id].calibrated

    page = client.get(f"/calibration/{ex.id}/results")
    assert page.status_code == 200
    html = text_of(page)
    assert "1 of 2 rater(s) calibrated" in html
    assert re.search(r"Ana</th>\s*<td class=\"num\">3 / 3</td>\s*<td class=\"num\">1.00</td>",
                     html)
    assert "Bo" in html
    assert "<svg" in html and "chart-bar-lenient" in html
    assert "Krippendorff" in html
    assert_no_inline_style_or_script(html)


def test_closing_without_gold_marks_explains_why(client, auth):
    auth.login_as("admin")
    ex = exercise(raters=[user(Role.RATER)], items=1)

    response = post_form(client, f"/calibration/{ex.id}/close", follow_redirects=True)

    assert "Gold marks are not submitted yet" in text_of(response)
    assert db.session.get(CalibrationExercise, ex.id).status == "open"


def test_close_without_csrf_token_changes_nothing(client, auth):
    auth.login_as("admin")
    rater = user(Role.RATER)
    ex = exercise(raters=[rater], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: GOLD[:1]})

    response = client.post(f"/calibration/{ex.id}/close")

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(CalibrationExercise, ex.id).status == "open"


def test_results_wait_for_the_close(client, auth):
    rater = auth.login_as("rater")
    ex = exercise(raters=[rater], items=1)
    html = text_of(client.get(f"/calibration/{ex.id}/results"))
    assert "Results appear when the exercise is closed" in html
    assert "<svg" not in html


def test_participant_sees_only_their_own_results(client, auth):
    ana = auth.login_as("rater", display_name="Ana Mine")
    bo = user(Role.RATER, display_name="Bo Notmine")
    ex = exercise(raters=[ana, bo], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {ana.id: GOLD[:1], bo.id: [marks(1, 1, 0)]})
    services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()

    html = text_of(client.get(f"/calibration/{ex.id}/results"))

    assert "Ana Mine" in html
    assert "Bo Notmine" not in html


# --- the calibration page for a rater ------------------------------------------------------------


def test_rater_sees_their_calibrations_and_the_rubrics_they_may_score(client, auth):
    rater = auth.login_as("rater")
    ex = exercise(raters=[rater], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: GOLD[:1]})
    services.close_exercise(SystemActor("test"), ex.id, at=at("2026-03-15T09:00:00"),
                            threshold=0.6, months=12)
    db.session.commit()
    db.session.scalars(sa.select(RaterCalibration)).one().expires_at = at("2099-03-15T09:00:00")
    db.session.commit()

    html = text_of(client.get("/calibration/"))

    assert "You may score live assessments of" in html
    assert "Calibration test rubric" in html
    assert "until 2099-03-15" in html
    assert "calibrated" in html
    assert "New exercise" not in html


def test_rater_without_calibration_is_told_so(client, auth):
    rater = auth.login_as("rater")
    ex = exercise(raters=[rater], items=1)
    score_all(ex, gold_id_of(ex), GOLD[:1], {rater.id: [marks(1, 5, 0)]})
    services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()

    html = text_of(client.get("/calibration/"))

    assert "You are not calibrated for any rubric at the moment." in html
    assert "not calibrated" in html


# --- drift ----------------------------------------------------------------------------------------


def test_drift_page_shows_quarters_per_rater(client, auth):
    auth.login_as("lead_coach")
    version = rubric_version()
    ana = user(Role.RATER, display_name="Ana Drift")
    _live_moderated(version, ana, rater_overall=0.9, agreed_overall=0.7,
                    closed_at=at("2026-11-02T10:00:00"))
    db.session.commit()

    response = client.get("/calibration/drift")

    assert response.status_code == 200
    html = text_of(response)
    assert "2026-Q4" in html
    assert re.search(r"Ana Drift</th>\s*<td class=\"num\">\+0.20 <span class=\"muted\">"
                     r"\(n=1\)</span>", html)
    assert_no_inline_style_or_script(html)


def test_drift_page_without_data(client, auth):
    auth.login_as("master_coach")
    assert "No moderated live assessments yet" in text_of(client.get("/calibration/drift"))


def test_calibration_items_do_not_reach_a_sponsor_or_manager(client, auth):
    ex = exercise(raters=[user(Role.RATER)], items=1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    for role in ("sponsor", "manager", "coach"):
        auth.login_as(role)
        for url in ("/calibration/", f"/calibration/{ex.id}", f"/calibration/{ex.id}/results",
                    "/calibration/drift"):
            assert client.get(url).status_code == 403, (role, url)
        auth.logout()


@pytest.mark.parametrize("role", ["master_coach", "lead_coach", "rater", "coach", "sponsor",
                                  "manager"])
def test_only_admins_may_post_a_new_exercise(client, auth, role):
    auth.login_as(role)
    version = rubric_version()
    gold, ana = user(Role.MASTER_COACH), user(Role.RATER)
    db.session.commit()

    response = post_form(client, "/calibration/new", {
        "title": "Spring", "rubric_version_id": version.id, "gold_rater_id": gold.id,
        "rater_ids": [ana.id], "new_items": "Recording one"})

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationExercise)) == 0



def test_calibration_stays_blind_after_a_rater_submits_until_the_exercise_closes():
    """Gold marks and peers' marks on an open item would coach a rater through the rest."""
    from coachprog.assessments.permissions import can_view_assignment_marks

    rater, peer = builders.user("rater"), builders.user("rater")
    ex = builders.exercise(raters=[rater, peer])
    gold = builders.gold_id_of(ex)
    item = ex.items[0]
    builders.score(item, gold, builders.marks(4, 3, 1), role="gold")
    builders.score(item, rater.id, builders.marks(4, 3, 1))
    builders.score(item, peer.id, builders.marks(2, 2, 0))
    db.session.commit()
    assert can_view_assignment_marks(rater, builders.assignment(item, rater.id))
    assert not can_view_assignment_marks(rater, builders.assignment(item, gold, "gold"))
    assert not can_view_assignment_marks(rater, builders.assignment(item, peer.id))


# --- queries do not grow with items, raters or exercises -----------------------------------------


def _closed(viewer, *, items: int, raters: int, title: str) -> CalibrationExercise:
    others = [user(Role.RATER) for _ in range(raters)]
    # A rubric version per exercise, so that loading versions per row would show in the count.
    ex = exercise(raters=[viewer, *others], items=items, title=title,
                  version=rubric_version(key=title.lower().replace(" ", "-")))
    sets = [marks(4, 2, 1)] * items
    score_all(ex, gold_id_of(ex), sets, {r.id: sets for r in [viewer, *others]})
    services.close_exercise(SystemActor("test"), ex.id, threshold=0.6, months=12)
    db.session.commit()
    return ex


@pytest.mark.parametrize("role", ["admin", "lead_coach", "rater"])
def test_exercise_and_results_pages_cost_the_same_queries_for_any_size(client, auth, role):
    viewer = auth.login_as(role)
    participant = viewer if role == "rater" else user(Role.RATER)
    small = _closed(participant, items=1, raters=1, title="Small")
    large = _closed(participant, items=5, raters=4, title="Large")
    open_small = exercise(raters=[participant], items=1, title="Open small",
                          version=rubric_version(key="open-small"))
    open_large = exercise(raters=[participant, user(Role.RATER), user(Role.RATER)], items=5,
                          title="Open large", version=rubric_version(key="open-large"))

    for page in ("", "/results"):
        assert (statements_for(client, f"/calibration/{small.id}{page}")
                == statements_for(client, f"/calibration/{large.id}{page}")), page
    assert (statements_for(client, f"/calibration/{open_small.id}")
            == statements_for(client, f"/calibration/{open_large.id}"))


@pytest.mark.parametrize("role", ["admin", "rater"])
def test_calibration_page_costs_the_same_queries_for_one_exercise_or_four(client, auth, role):
    viewer = auth.login_as(role)
    participant = viewer if role == "rater" else user(Role.RATER)
    _closed(participant, items=2, raters=1, title="First")

    one = statements_for(client, "/calibration/")
    for number in range(3):
        _closed(participant, items=2, raters=2, title=f"More {number}")

    assert statements_for(client, "/calibration/") == one

"""Co-raters on a blind assessment are pseudonyms until it closes (issue 19): on the scoring
page, the assessment page and in the API, before and after one's own submission; names for
those who run it, and for everyone once closed."""

from __future__ import annotations

from flask.testing import FlaskClient

from coachprog.assessments import services
from coachprog.assessments.results import describe_assessment
from coachprog.extensions import db
from coachprog.roles import Role
from tests.assessments.builders import HIGH, assessment, rater, subject_person
from tests.conftest import Auth
from tests.factories import UserFactory


def _scene(*, blind: bool = True):
    first = rater(display_name="Rosa Rater")
    second = rater(display_name="Tomas Senior")
    row = assessment(blind=blind, raters=[first, second], subject=subject_person())
    db.session.commit()
    return row, first, second


def test_describe_assessment_shows_co_raters_as_pseudonyms_until_closed() -> None:
    row, first, second = _scene()
    names = [r["rater_name"] for r in describe_assessment(first, row)["raters"]]
    assert names == ["Rosa Rater", "Rater 2"]
    assert [r["rater_id"] for r in describe_assessment(first, row)["raters"]] == \
        [first.id, None]
    assert [r["rater_name"] for r in describe_assessment(second, row)["raters"]] == \
        ["Rater 1", "Tomas Senior"]
    # Submitting does not reveal them: only closing does.
    mine = next(a for a in row.assignments if a.rater_id == first.id)
    services.save_marks(first, mine, HIGH, {}, submit=True)
    assert "Tomas Senior" not in str(describe_assessment(first, row))
    admin = UserFactory(roles=[Role.ADMIN])
    assert [r["rater_name"] for r in describe_assessment(admin, row)["raters"]] == \
        ["Rosa Rater", "Tomas Senior"]
    row.status = "closed"
    db.session.flush()
    assert [r["rater_name"] for r in describe_assessment(first, row)["raters"]] == \
        ["Rosa Rater", "Tomas Senior"]


def test_a_non_blind_assessment_names_co_raters() -> None:
    row, first, _ = _scene(blind=False)
    assert [r["rater_name"] for r in describe_assessment(first, row)["raters"]] == \
        ["Rosa Rater", "Tomas Senior"]


def test_the_pages_and_the_api_show_no_co_rater_name(client: FlaskClient, auth: Auth) -> None:
    row, first, second = _scene()
    services.assign_rater(UserFactory(roles=[Role.ADMIN]), row, rater().id)  # still to score
    theirs = next(a for a in row.assignments if a.rater_id == second.id)
    services.save_marks(second, theirs, HIGH, {}, submit=True)
    mine = next(a for a in row.assignments if a.rater_id == first.id)
    services.save_marks(first, mine, HIGH, {}, submit=True)
    db.session.commit()
    assert auth.login(first.email).status_code == 302
    score = client.get(f"/assessments/assignments/{mine.id}").get_data(as_text=True)
    assert "Other raters&#39; submitted marks" in score or "Other raters' submitted marks" in score
    assert "Rater 2 (rater)" in score and "Tomas Senior" not in score
    view = client.get(f"/assessments/{row.id}")
    assert view.status_code == 200
    assert "Tomas Senior" not in view.get_data(as_text=True)
    assert row.status == "open"
    # The API gives the same pseudonyms.
    from coachprog.auth.services import create_api_token
    from coachprog.authority import SystemActor

    _, secret = create_api_token(SystemActor("test"), first, name="t")
    db.session.commit()
    api = client.get(f"/api/v1/assessments/{row.id}",
                     headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert "Tomas Senior" not in api.get_data(as_text=True)
    assert {r["rater_name"] for r in api.get_json()["raters"]} == {"Rosa Rater", "Rater 2",
                                                                  "Rater 3"}

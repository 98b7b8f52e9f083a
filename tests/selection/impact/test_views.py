"""Adverse-impact pages through the Flask client: the L&D report (suppression as "< 5" with the
real counts absent, the four-fifths flag in words, Fisher's p-value as SciPy computes it, empty
states), the candidate's self-report (consent, bad answers, withdrawal), and a sweep showing
that one person's answers reach no page or API response anyone else can open."""

from __future__ import annotations

import html
import re
import subprocess
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from scipy.stats import fisher_exact

from coachprog.auth.services import create_api_token
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from coachprog.selection.impact.domain import REPORT_EXPLANATION
from coachprog.selection.models import Candidate, CandidateDemographics, Sprint
from tests.conftest import Auth, post_form
from tests.selection.impact.builders import (
    candidate,
    many,
    new_person,
    new_user,
    report,
    spring_sprint,
    sprint,
)


def _text(response: Any) -> str:
    if response.mimetype == "application/pdf":
        # A PDF (the sponsor's program report) is read as its text, as a person would.
        return subprocess.run(["pdftotext", "-", "-"],  # noqa: S607 - Debian's poppler
                              input=response.get_data(), capture_output=True,
                              check=True).stdout.decode()
    return html.unescape(response.get_data(as_text=True))


def _row(page: str, label: str) -> str:
    """The table row of one group (the first table that lists it)."""
    match = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(label)}.*?</tr>", page, re.S)
    assert match, f"no row for {label}"
    return match.group(0)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


# --- the report ----------------------------------------------------------------------------------


def test_sprint_report_explains_itself_and_shows_the_numbers(client: FlaskClient,
                                                             auth: Auth) -> None:
    ids = spring_sprint()
    auth.login_as(Role.ADMIN)
    response = client.get(f"/sprints/{ids['sprint_id']}/impact")
    assert response.status_code == 200
    page = _text(response)
    assert "Adverse-impact report: Spring 2026" in page
    assert REPORT_EXPLANATION in page
    assert ("2 nominees who never accepted are not candidates and not counted"
            in " ".join(page.split()))
    assert "Still to be decided: 2 at application, 18 at interview." in page
    women = _cells(_row(page, "Women"))
    assert women[:5] == ["10", "9", "90%", "1.00", "reference"]
    men = _cells(_row(page, "Men"))
    assert men[:4] == ["10", "4", "40%", "0.44"]
    assert "Below four fifths" in men[4]  # the flag is in words, not colour only
    # Fisher's exact test as SciPy computes it on the same 2×2 table, as the page rounds it.
    p_value = fisher_exact([[4, 6], [9, 1]]).pvalue
    assert men[5] == f"{p_value:.2f}" == "0.06"
    assert "Men were selected at 44% of the rate of Women" in men[6]
    assert "Below the four-fifths threshold: Men." in page
    assert "Application → interview, gender: Men — impact ratio 0.44, p = 0.06." in page


def test_small_groups_show_as_fewer_than_5_and_their_counts_are_nowhere(
        client: FlaskClient, auth: Auth) -> None:
    ids = spring_sprint()
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/sprints/{ids['sprint_id']}/impact"))
    for label in ("Non-binary people", "People who preferred not to say"):
        cells = _cells(_row(page, label))
        assert cells[0] == "< 5"
        assert cells[1:6] == ["—", "—", "—", "withheld", "—"]
        assert "no numbers are shown" in cells[6]
    # 3 non-binary people (2 passed), 5 who preferred not to say (3 passed): none of it shows.
    for leak in ("2 of 3", "3 of 5", "67%", "60%", "Non-binary people:",
                 "People who preferred not to say:"):
        assert leak not in page
    assert 'Groups marked "< 5" had fewer than 5 people' in page


def test_all_sprints_report_pools_and_links_each_sprint(client: FlaskClient,
                                                        auth: Auth) -> None:
    ids = spring_sprint()
    autumn = sprint("Autumn 2026")
    many(autumn, 2, "interview", gender="non_binary")
    many(autumn, 3, "rejected", "applied", gender="non_binary")
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = _text(client.get("/sprints/impact"))
    assert "Adverse-impact report: all sprints" in page
    assert _cells(_row(page, "Non-binary people"))[:3] == ["8", "4", "50%"]
    assert f'href="/sprints/{ids["sprint_id"]}/impact">Spring 2026</a>' in page
    assert f'href="/sprints/{autumn.id}/impact">Autumn 2026</a>' in page


def test_empty_states_say_what_is_missing(client: FlaskClient, auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    assert "There are no selection sprints yet." in _text(client.get("/sprints/impact"))
    empty = sprint("Empty")
    candidate(empty, "nominated")
    waiting = sprint("Waiting")
    many(waiting, 3, "applied", gender="woman")
    db.session.commit()
    page = _text(client.get(f"/sprints/{empty.id}/impact"))
    assert "No candidates yet" in page
    assert "Nobody has applied to this sprint or accepted a nomination yet." in page
    assert "1 nominee who never accepted is not a candidate" in " ".join(page.split())
    page = _text(client.get(f"/sprints/{waiting.id}/impact"))
    assert "No decided candidates yet" in page
    assert "All 3 candidates are still waiting for the first" in page
    assert "Still to be decided: 3 at application." in page
    assert "<h3" not in page  # no group tables


def test_an_unknown_sprint_is_404_for_admins_and_403_for_others(client: FlaskClient,
                                                                auth: Auth) -> None:
    auth.login_as(Role.ADMIN)
    assert client.get("/sprints/999999/impact").status_code == 404
    auth.logout()
    auth.login_as(Role.MASTER_COACH)
    assert client.get("/sprints/999999/impact").status_code == 403


def test_viewing_the_report_is_committed_to_the_audit_log(client: FlaskClient,
                                                          auth: Auth) -> None:
    ids = spring_sprint()
    admin = auth.login_as(Role.ADMIN)
    client.get(f"/sprints/{ids['sprint_id']}/impact")
    db.session.expire_all()
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "adverse_impact.viewed"))
    assert entry is not None and entry.actor_id == admin.id
    assert entry.object_id == str(ids["sprint_id"])


# --- the self-report -----------------------------------------------------------------------------


def _candidate_signed_in(auth: Auth, stage: str = "applied",
                         furthest: str | None = None) -> tuple[Candidate, str]:
    person = new_person()
    row = candidate(sprint(), stage, furthest, person=person)
    db.session.commit()
    auth.login_as(Role.COACH, person_id=person.id)
    return row, f"/sprints/{row.sprint_id}/candidates/{row.id}/demographics"


def test_the_page_says_why_who_sees_it_and_that_it_is_optional(client: FlaskClient,
                                                               auth: Auth) -> None:
    _, url = _candidate_signed_in(auth)
    response = client.get(url)
    assert response.status_code == 200
    page = " ".join(_text(response).split())
    for words in ("Why we ask", "It is optional", "Who sees your answers",
                  "Only the L&D team sees them, and only as counts of people per group",
                  "fewer than 5 people hidden",
                  "never raters, panel members, managers or sponsors",
                  "withdrawing deletes your answers and your consent",
                  "Consent text version 2026-11", "Prefer not to say", "Leave unanswered",
                  "What is your ethnic group?"):
        assert words in page, words
    assert "Withdraw and delete my answers" not in page  # nothing to withdraw yet


def test_answers_need_consent_and_nothing_typed_is_lost(client: FlaskClient,
                                                        auth: Auth) -> None:
    _, url = _candidate_signed_in(auth)
    response = post_form(client, url, {"gender": "woman", "age_band": "35_44"})
    assert response.status_code == 400
    page = _text(response)
    assert re.search(r'id="consent-error" role="alert">Tick the box to agree', page)
    assert re.search(r'<input checked id="gender-0" name="gender" type="radio" value="woman">',
                     page)
    assert '<input checked id="age_band-2" name="age_band" type="radio" value="35_44">' in page
    assert '<input type="radio" name="ethnicity" value="" checked> Leave unanswered' in page
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0


def test_an_answer_that_is_not_an_option_is_refused_next_to_its_question(
        client: FlaskClient, auth: Auth) -> None:
    _, url = _candidate_signed_in(auth)
    response = post_form(client, url, {"gender": "woman", "disability": "maybe",
                                       "consent": "y"})
    assert response.status_code == 400
    assert re.search(r'id="disability-error" role="alert">Choose one of the answers listed',
                     _text(response))
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0


def test_the_candidate_saves_sees_and_withdraws_their_answers(client: FlaskClient,
                                                              auth: Auth) -> None:
    row, url = _candidate_signed_in(auth)
    response = post_form(client, url, {"gender": "non_binary", "ethnicity": "prefer_not_to_say",
                                       "age_band": "", "consent": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    saved = db.session.scalars(sa.select(CandidateDemographics)).one()
    assert (saved.candidate_id, saved.gender, saved.ethnicity, saved.age_band,
            saved.consent_text_version) == (row.id, "non_binary", "prefer_not_to_say", "",
                                            "2026-11")
    page = " ".join(_text(client.get(url)).split())
    assert "Thank you: your answers are saved." in page
    assert "<dt>Gender</dt><dd>Non-binary</dd>" in page
    assert "<dt>Ethnicity</dt><dd>Prefer not to say</dd>" in page
    assert "<dt>Age band</dt><dd>Not answered</dd>" in page
    assert "(consent text version 2026-11)" in page
    response = post_form(client, url + "/withdraw", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CandidateDemographics.id))) == 0
    page = _text(client.get(url))
    assert "Your answers and your consent are deleted." in page
    assert "Your saved answers" not in page
    details = db.session.scalars(sa.select(AuditEntry.detail).where(
        AuditEntry.object_type == "candidate")).all()
    assert len(details) == 2
    assert all("non_binary" not in repr(d) and "prefer" not in repr(d) for d in details)


def test_withdrawing_when_nothing_is_saved_says_so(client: FlaskClient, auth: Auth) -> None:
    _, url = _candidate_signed_in(auth)
    response = post_form(client, url + "/withdraw", {}, follow_redirects=True)
    assert "There were no answers to delete." in _text(response)


def test_a_nominee_who_has_not_accepted_cannot_answer(client: FlaskClient, auth: Auth) -> None:
    _, url = _candidate_signed_in(auth, "nominated")
    assert client.get(url).status_code == 403
    assert post_form(client, url, {"gender": "woman", "consent": "y"}).status_code == 403


def test_another_candidate_of_the_same_sprint_is_refused(client: FlaskClient,
                                                         auth: Auth) -> None:
    row, _ = _candidate_signed_in(auth)
    someone = candidate(db.session.get_one(Candidate, row.id).sprint, "interview", gender="woman")
    db.session.commit()
    url = f"/sprints/{row.sprint_id}/candidates/{someone.id}/demographics"
    assert client.get(url).status_code == 403
    assert post_form(client, url + "/withdraw", {}).status_code == 403
    assert db.session.scalar(sa.select(CandidateDemographics.gender)) == "woman"


def test_the_candidate_in_the_wrong_sprint_url_is_not_found(client: FlaskClient,
                                                            auth: Auth) -> None:
    row, _ = _candidate_signed_in(auth)
    other = sprint("Other")
    db.session.commit()
    assert client.get(f"/sprints/{other.id}/candidates/{row.id}/demographics"
                      ).status_code == 404


# --- no page ties one person to their answers -------------------------------------------------

SUBJECT_NAME = "Quillon Ardent-Vey"
# The subject's answers in every form they could take in a response.
LEAKS = ("non_binary", "non-binary", "55_plus", "55 or over", "mixed or multiple",
         "long-term health condition", "disabled people", "prefer_not_to_say")
ARGUMENTS = {"sprint_id", "candidate_id", "person_id", "user_id"}


def _gettable(app: Flask, values: dict[str, int]) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route whose arguments we can fill with the subject's ids."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= ARGUMENTS:
            continue
        built = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)
        assert built is not None
        urls.append((rule.endpoint, built[1]))
    return urls


def _sweep(client: FlaskClient, urls: list[tuple[str, str]], headers: dict[str, str] | None
           ) -> dict[str, str]:
    pages = {}
    for endpoint, url in urls:
        try:
            response = client.get(url, headers=headers or {})
        except Exception:  # noqa: S112 - others' pages in progress are not under test here
            continue
        pages[url] = _text(response) + " " + endpoint
    return pages


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_no_page_or_api_response_reveals_one_persons_answers(
        app: Flask, client: FlaskClient, auth: Auth, role: str) -> None:
    subject = new_person(name=SUBJECT_NAME)
    ids = spring_sprint()
    spring = db.session.get_one(Sprint, ids["sprint_id"])
    row = candidate(spring, "interview", person=subject)
    report(row, gender="non_binary", age_band="55_plus", ethnicity="mixed", disability="yes")
    subject_user = new_user(Role.COACH, person_id=subject.id)
    db.session.commit()
    values = {"sprint_id": ids["sprint_id"], "candidate_id": row.id,
              "person_id": subject.id, "user_id": subject_user.id}
    urls = _gettable(app, values)
    urls += [("audit", "/admin/audit?object_type=candidate"),
             ("audit", f"/admin/audit?object_id={row.id}")]
    viewer = auth.login_as(role)
    pages = _sweep(client, urls, None)
    _, secret = create_api_token(SystemActor("test"), viewer, name="sweep")
    db.session.commit()
    pages |= _sweep(client, [u for u in urls if u[1].startswith("/api/")],
                    {"Authorization": f"Bearer {secret}"})
    impact_pages = {f"/sprints/{ids['sprint_id']}/impact", "/sprints/impact"}
    assert f"/sprints/{ids['sprint_id']}/candidates/{row.id}/demographics" in pages
    assert impact_pages <= set(pages)
    for url, page in pages.items():
        lowered = page.lower()
        if url in impact_pages and role == "admin":
            # The report names groups, never people; the subject's group is withheld here.
            assert SUBJECT_NAME not in page
            assert _cells(_row(page, "Non-binary people"))[0] == "< 5"
            continue
        if url == "/governance/bias-audit/" and role in ("admin", "sponsor"):
            # The quarterly bias audit (issue 24) is the same aggregate report, for L&D and
            # sponsors: groups, never people, and the subject's group withheld everywhere.
            assert SUBJECT_NAME not in page
            rows = re.findall(r"<tr>\s*<th scope=\"row\">Non-binary people.*?</tr>", page, re.S)
            assert rows and all(_cells(row)[0] == "< 5" for row in rows)
            continue
        for leak in LEAKS:
            assert leak not in lowered, (url, leak)


def test_the_form_asks_every_question_of_the_policy(app: Flask) -> None:
    from coachprog.selection.impact.demographics import ATTRIBUTE_KEYS
    from coachprog.selection.impact.forms import DemographicsReportForm

    with app.test_request_context():
        form = DemographicsReportForm(meta={"csrf": False})
        assert [attribute.key for attribute, _ in form.attribute_fields()] == list(
            ATTRIBUTE_KEYS)
        assert [c.value for c in form.disability.choices] == ["yes", "no",
                                                              "prefer_not_to_say"]

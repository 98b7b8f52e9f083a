"""The people pages: the HRIS import (upload, job page, JSON mode), the directory and a person."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from coachprog.extensions import db
from coachprog.jobs.models import Job
from coachprog.people.models import Person
from tests.conftest import csrf_token, post_form, wait_for_job
from tests.factories import PersonFactory
from tests.people.conftest import ORG_ROWS, csv_text, snapshot

GOOD_CSV = csv_text(*ORG_ROWS)


def upload(client, content: str | bytes, filename: str = "people.csv", **kwargs):
    data = content.encode() if isinstance(content, str) else content
    return post_form(client, "/people/import", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data", **kwargs)


def people_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0


def job_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- the import page ------------------------------------------------------------------------


def test_import_page_shows_the_upload_form_to_an_admin(client, auth):
    auth.login_as("admin")

    response = client.get("/people/import")

    assert response.status_code == 200
    page = text_of(response)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert 'name="csrf_token"' in page
    assert "employee_id,name,email,department,title,manager_employee_id,active" in page


@pytest.mark.parametrize("role", ["coach", "manager", "lead_coach", "master_coach", "sponsor"])
def test_import_page_is_refused_to_everyone_but_admins(client, auth, role):
    auth.login_as(role)

    assert client.get("/people/import").status_code == 403
    response = post_form(client, "/people/import",
                         {"file": (io.BytesIO(GOOD_CSV.encode()), "people.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 403
    assert people_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_import_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/people/import")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_uploading_a_good_file_redirects_to_the_job_page_showing_the_result(client, auth, app):
    admin = auth.login_as("admin")

    response = upload(client, GOOD_CSV)

    job = wait_for_job(job_id_of(response))
    assert (job.status, job.kind, job.created_by_id) == ("succeeded", "people_import", admin.id)
    assert job.result == {"created": 6, "updated": 0, "unchanged": 0, "total": 6}
    assert people_count() == 6
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert re.search(r"Imported 6 people:\s+6 created, 0 updated,\s+0 unchanged", text_of(page))
    assert "people.csv" in text_of(page)
    # The upload only carried the data to the job; no HR data is left on disk.
    assert list(app.config["COACHPROG_UPLOAD_DIR"].iterdir()) == []


def test_uploading_the_same_file_twice_reports_everyone_unchanged(client, auth):
    auth.login_as("admin")
    wait_for_job(job_id_of(upload(client, GOOD_CSV)))

    response = upload(client, GOOD_CSV)

    assert wait_for_job(job_id_of(response)).result["unchanged"] == 6
    assert "0 created, 0 updated" in text_of(client.get(response.headers["Location"]))


def test_uploading_a_bad_file_lists_the_problems_by_line_and_writes_nothing(client, auth, app):
    auth.login_as("admin")
    rows = list(ORG_ROWS)
    rows[1] = "E2,Ben Okafor,not-an-address,Sales,Team Lead,E1,true"
    rows[4] = "E5,Eve Martin,eve@example.com,Support,Head of Support,,maybe"
    rows[5] = "E6,Farid Haddad,farid@example.com,Support,Agent,E404,false"

    response = upload(client, csv_text(*rows))

    job = wait_for_job(job_id_of(response))
    assert job.status == "failed"
    assert job.error == "3 problem(s) found; nothing was imported."
    assert [(e["line"], e["field"]) for e in job.result["errors"]] == [
        (3, "email"), (6, "active"), (7, "manager_employee_id")]
    assert people_count() == 0
    page = text_of(client.get(response.headers["Location"]))
    assert "3 problem(s) found; nothing was imported." in page
    assert re.search(r'<td class="num">3</td><td>email</td><td>&#39;not-an-address&#39; is '
                     r"not an e-mail address</td>", page)
    assert re.search(r'<td class="num">6</td><td>active</td>', page)
    assert re.search(r'<td class="num">7</td><td>manager_employee_id</td><td>no person with '
                     r"employee id E404", page)
    assert 'href="/people/import"' in page
    assert list(app.config["COACHPROG_UPLOAD_DIR"].iterdir()) == []


def test_a_bad_file_leaves_people_on_record_untouched(client, auth):
    auth.login_as("admin")
    wait_for_job(job_id_of(upload(client, GOOD_CSV)))
    before = snapshot()

    response = upload(client, csv_text(
        "E1,Aisha Chen,aisha@example.com,Sales,CRO,,true",
        "E7,Gita Rao,gita@example.com,Support,Agent,E5,true",
        "E3,Carla Rossi,carla@example.com,Sales,Sales Rep,E1,true",
        "E1,Aisha Again,aisha2@example.com,Sales,CRO,,true",
    ))

    job = wait_for_job(job_id_of(response))
    assert job.status == "failed"
    assert job.result["errors"] == [
        {"line": 5, "field": "employee_id", "message": "E1 also appears on line 2"}]
    assert snapshot() == before


def test_problems_with_the_whole_file_show_without_a_line_number(client, auth):
    auth.login_as("admin")

    response = upload(client, "Zoë,name\n".encode("latin-1"))

    job = wait_for_job(job_id_of(response))
    assert job.result["errors"][0]["line"] == 0
    page = text_of(client.get(response.headers["Location"]))
    assert '<td class="num">—</td><td>—</td><td>the file is not UTF-8 text' in page


def test_values_from_the_file_are_escaped_on_the_job_page(client, auth):
    auth.login_as("admin")

    response = upload(client, csv_text('E1,Ann,"<script>alert(1)</script>",,,,'))
    wait_for_job(job_id_of(response))

    page = text_of(client.get(response.headers["Location"]))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_json_mode_answers_202_with_where_to_watch_the_job(client, auth):
    auth.login_as("admin")

    response = upload(client, GOOD_CSV, headers={"Accept": "application/json"})

    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"job_id", "page_url", "status_url"}
    assert body["page_url"] == f"/jobs/{body['job_id']}"
    assert body["status_url"] == f"/jobs/{body['job_id']}/status"
    assert wait_for_job(body["job_id"]).status == "succeeded"
    status = client.get(body["status_url"])
    assert status.status_code == 200
    answer = status.get_json()
    assert {key: answer[key] for key in ("id", "status", "progress", "finished", "error")} == {
        "id": body["job_id"], "status": "succeeded", "progress": 100, "finished": True,
        "error": None}
    assert isinstance(answer["note"], str)


def test_job_status_of_a_failed_import_carries_the_error(client, auth):
    auth.login_as("admin")
    body = upload(client, csv_text("E1,,a@example.com,,,,"),
                  headers={"Accept": "application/json"}).get_json()
    wait_for_job(body["job_id"])

    status = client.get(body["status_url"]).get_json()

    assert (status["status"], status["finished"]) == ("failed", True)
    assert status["error"] == "1 problem(s) found; nothing was imported."


def test_a_missing_file_is_a_400_with_the_error_next_to_the_field(client, auth):
    auth.login_as("admin")

    response = post_form(client, "/people/import", {}, content_type="multipart/form-data")

    assert response.status_code == 400
    assert re.search(r'<p class="error" id="file-error" role="alert">Choose a CSV file to '
                     r"import.</p>", text_of(response))
    assert 'aria-invalid="true"' in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_missing_file_in_json_mode_is_a_400_with_field_errors(client, auth):
    auth.login_as("admin")

    response = post_form(client, "/people/import", {}, content_type="multipart/form-data",
                         headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.get_json() == {"errors": {"file": ["Choose a CSV file to import."]}}


@pytest.mark.parametrize("filename", ["people.xlsx", "people.csv.exe", "people", "people.pdf"])
def test_a_file_that_is_not_csv_by_name_is_refused(client, auth, filename):
    auth.login_as("admin")

    response = upload(client, GOOD_CSV, filename=filename)

    assert response.status_code == 400
    assert "Upload the export as a .csv file." in text_of(response)
    assert people_count() == 0


def test_a_txt_file_is_accepted(client, auth):
    auth.login_as("admin")

    assert wait_for_job(job_id_of(upload(client, GOOD_CSV, filename="export.TXT"))).status \
        == "succeeded"


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(client, auth, app,
                                                                   monkeypatch):
    auth.login_as("admin")
    monkeypatch.setitem(app.config, "COACHPROG_MAX_IMPORT_BYTES", 100)

    response = upload(client, GOOD_CSV)

    assert response.status_code == 413
    assert re.search(r'<p class="error" id="file-error" role="alert">The file is larger than '
                     r"0.0 MB", text_of(response))
    json_response = upload(client, GOOD_CSV, headers={"Accept": "application/json"})
    assert json_response.status_code == 413
    assert list(json_response.get_json()["errors"]) == ["file"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert not any(app.config["COACHPROG_UPLOAD_DIR"].glob("*.csv"))


def test_a_file_at_the_size_limit_is_accepted(client, auth, app, monkeypatch):
    auth.login_as("admin")
    monkeypatch.setitem(app.config, "COACHPROG_MAX_IMPORT_BYTES", len(GOOD_CSV.encode()))

    assert wait_for_job(job_id_of(upload(client, GOOD_CSV))).status == "succeeded"


def test_a_post_without_csrf_token_is_refused(client, auth):
    auth.login_as("admin")

    response = client.post("/people/import",
                           data={"file": (io.BytesIO(GOOD_CSV.encode()), "people.csv")},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert "security token" in text_of(response)
    assert people_count() == 0


def test_a_post_with_a_forged_csrf_token_is_refused(client, auth):
    auth.login_as("admin")

    response = client.post("/people/import", data={
        "file": (io.BytesIO(GOOD_CSV.encode()), "people.csv"), "csrf_token": "forged"},
        content_type="multipart/form-data")

    assert response.status_code == 400
    assert people_count() == 0


# --- the job pages -------------------------------------------------------------------------


def test_another_user_may_not_watch_someone_elses_job(client, auth):
    auth.login_as("admin")
    job_id = job_id_of(upload(client, GOOD_CSV))
    auth.logout()

    auth.login_as("lead_coach")

    assert client.get(f"/jobs/{job_id}").status_code == 403
    assert client.get(f"/jobs/{job_id}/status").status_code == 403


def test_another_admin_may_watch_the_job(client, auth):
    auth.login_as("admin")
    job_id = job_id_of(upload(client, GOOD_CSV))
    auth.logout()

    auth.login_as("admin")

    assert client.get(f"/jobs/{job_id}").status_code == 200


def test_a_job_that_does_not_exist_is_404(client, auth):
    auth.login_as("admin")

    assert client.get("/jobs/987654").status_code == 404
    assert client.get("/jobs/987654/status").status_code == 404


def test_job_pages_need_sign_in(client, auth):
    auth.login_as("admin")
    job_id = job_id_of(upload(client, GOOD_CSV))
    auth.logout()

    assert client.get(f"/jobs/{job_id}").status_code == 302
    assert client.get(f"/jobs/{job_id}/status").status_code == 302


# --- the directory -------------------------------------------------------------------------


@pytest.fixture
def org_via_web(client, auth):
    admin = auth.login_as("admin")
    wait_for_job(job_id_of(upload(client, GOOD_CSV)))
    return admin


def test_people_list_shows_active_people_with_their_managers(client, org_via_web):
    page = text_of(client.get("/people/"))

    for name in ("Aisha Chen", "Ben Okafor", "Carla Rossi", "Dmitri Ivanov", "Eve Martin"):
        assert name in page
    assert "Farid Haddad" not in page  # inactive
    assert re.search(r"<td>E3</td><td>Sales</td><td>Sales Rep</td>\s*<td>Ben Okafor</td>", page)
    assert "Farid Haddad" in text_of(client.get("/people/?status=all"))
    assert "Farid Haddad" in text_of(client.get("/people/?status=inactive"))


def test_people_list_search_and_filters(client, org_via_web):
    def listed(url: str) -> list[str]:
        return re.findall(r'<a href="/people/\d+">([^<]+)</a>', text_of(client.get(url)))

    assert listed("/people/?q=BEN%40example") == ["Ben Okafor"]
    assert listed("/people/?q=e3") == ["Carla Rossi"]
    assert listed("/people/?department=Support&status=all") == ["Eve Martin", "Farid Haddad"]
    assert listed("/people/?q=ar") == ["Carla Rossi", "Eve Martin"]
    assert listed("/people/?q=ar&status=all") == ["Carla Rossi", "Eve Martin", "Farid Haddad"]
    assert listed("/people/?q=ar&department=Sales") == ["Carla Rossi"]
    page = text_of(client.get("/people/?q=BEN%40example&department=Support&status=all"))
    assert 'value="BEN@example"' in page
    assert '<option value="Support" selected>' in page

    assert "No one matches." in text_of(client.get("/people/?q=zzz"))


def test_people_list_paginates_with_links_that_keep_the_filters(client, auth, app, monkeypatch):
    auth.login_as("admin")
    for i in range(7):
        PersonFactory(employee_id=f"P{i}", name=f"Pat {i}", email=f"pat{i}@example.com",
                      department="Ops")
    db.session.commit()
    monkeypatch.setitem(app.config, "COACHPROG_PAGE_SIZE", 3)

    first = text_of(client.get("/people/?q=pat&department=Ops"))
    assert "1–3 of 7" in first
    assert "Page 1 of 3" in first
    assert 'rel="prev"' not in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=pat" in next_link and "department=Ops" in next_link and "page=2" in next_link

    second = text_of(client.get(next_link))
    assert "4–6 of 7" in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    assert [n for n in ("Pat 3", "Pat 4", "Pat 5") if n in second] == ["Pat 3", "Pat 4", "Pat 5"]
    assert "Pat 0" not in second

    last = text_of(client.get("/people/?q=pat&department=Ops&page=3"))
    assert "7–7 of 7" in last and 'rel="next"' not in last


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99"])
def test_people_list_survives_odd_page_numbers(client, org_via_web, page):
    assert client.get(f"/people/?page={page}").status_code == 200


def test_a_manager_lists_only_their_reporting_line(client, auth):
    e1 = PersonFactory(employee_id="E1", name="Aisha Chen")
    PersonFactory(employee_id="E2", name="Ben Okafor", manager=e1)
    PersonFactory(employee_id="E5", name="Eve Martin")
    db.session.commit()
    auth.login_as("manager", person_id=e1.id)

    page = text_of(client.get("/people/"))

    assert "Ben Okafor" in page
    assert "Eve Martin" not in page


def test_a_coach_may_not_list_people(client, auth):
    auth.login_as("coach")

    assert client.get("/people/").status_code == 403


# --- one person ------------------------------------------------------------------------------


def test_person_page_for_an_admin(client, org_via_web):
    ben = db.session.scalar(sa.select(Person).where(Person.employee_id == "E2"))

    response = client.get(f"/people/{ben.id}")

    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Ben Okafor</h1>" in page
    assert "ben@example.com" in page
    assert "Aisha Chen" in page  # manager
    assert "Carla Rossi" in page  # direct report


def test_person_page_for_a_manager_follows_the_reporting_line(client, auth):
    e1 = PersonFactory(employee_id="E1", name="Aisha Chen")
    e2 = PersonFactory(employee_id="E2", name="Ben Okafor", manager=e1)
    e3 = PersonFactory(employee_id="E3", name="Carla Rossi", manager=e2)
    outsider = PersonFactory(employee_id="E5", name="Eve Martin")
    db.session.commit()
    auth.login_as("manager", person_id=e1.id)

    assert client.get(f"/people/{e2.id}").status_code == 200
    assert client.get(f"/people/{e3.id}").status_code == 200  # indirect report
    assert client.get(f"/people/{outsider.id}").status_code == 403
    assert client.get(f"/people/{e1.id}").status_code == 200  # their own record


def test_person_page_for_a_middle_manager_does_not_link_upwards(client, auth):
    e1 = PersonFactory(employee_id="E1", name="Aisha Chen")
    e2 = PersonFactory(employee_id="E2", name="Ben Okafor", manager=e1)
    e3 = PersonFactory(employee_id="E3", name="Carla Rossi", manager=e2)
    db.session.commit()
    auth.login_as("manager", person_id=e2.id)

    page = text_of(client.get(f"/people/{e3.id}"))

    assert f'href="/people/{e2.id}"' in page  # themselves: their own record
    assert client.get(f"/people/{e1.id}").status_code == 403


def test_person_page_for_a_nonexistent_person_is_404(client, auth):
    auth.login_as("admin")

    assert client.get("/people/424242").status_code == 404


def test_csrf_token_helper_works_on_the_import_page(client, auth):
    # The import page is itself a valid source of a token (what the browser would use).
    auth.login_as("admin")

    token = csrf_token(client, "/people/import")

    response = client.post("/people/import", data={
        "file": (io.BytesIO(GOOD_CSV.encode()), "people.csv"), "csrf_token": token},
        content_type="multipart/form-data")
    assert response.status_code == 302


def test_body_over_the_server_limit_is_refused_before_it_is_read(app, auth, client):
    auth.login_as("admin")
    limit = app.config["MAX_CONTENT_LENGTH"]
    # A raw body: the refusal comes from its declared length, before any of it is parsed.
    response = client.post("/people/import", data=b"x" * (limit + 1),
                           content_type="multipart/form-data; boundary=zzz")
    assert response.status_code == 413
    assert "larger than the" in response.get_data(as_text=True)

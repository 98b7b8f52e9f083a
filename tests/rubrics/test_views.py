"""Rubric pages: the list, one version, and the admin's upload."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.rubrics import services
from coachprog.rubrics.models import RubricVersion
from tests.conftest import post_form
from tests.rubrics.conftest import PROJECT_RUBRICS, VALID, use_version, variant, write_dir


def record(text: str = VALID, name: str = "demo.yaml") -> RubricVersion:
    row = services.upload_rubric(SystemActor("test"), name, text.encode()).version
    db.session.commit()
    return row


def upload(client, text: str | bytes, name: str = "demo.yaml", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return post_form(client, "/rubrics/upload", {"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data", **kwargs)


def page(response) -> str:
    return response.get_data(as_text=True)


# --- list -----------------------------------------------------------------------------------


def test_list_shows_latest_version_per_rubric_with_counts_and_older_versions(client, auth):
    record()
    record(variant(v="version: 1|version: 2", t="Demo rubric|Demo rubric two"))
    record(variant(i="id: demo|id: int", p="session_review|interview"), name="int.yaml")
    auth.login_as("rater")

    html = page(client.get("/rubrics/"))

    rows = re.findall(r"<tr>\s*<td><a href=\"([^\"]+)\">([^<]+)</a>", html)
    assert rows == [("/rubrics/demo/v2", "Demo rubric two"), ("/rubrics/int/v1", "Demo rubric")]
    assert 'href="/rubrics/demo/v1">v1</a>' in html
    assert '<td class="num">2</td>' in html and '<td class="num">3</td>' in html
    assert "Upload a rubric file" not in html


def test_list_filters_by_purpose_and_ignores_unknown_purposes(client, auth):
    record()
    record(variant(i="id: demo|id: int", p="session_review|interview"), name="int.yaml")
    auth.login_as("coach")

    only = page(client.get("/rubrics/?purpose=interview"))
    everything = page(client.get("/rubrics/?purpose=<script>"))

    assert "/rubrics/int/v1" in only and "/rubrics/demo/v1" not in only
    assert "/rubrics/int/v1" in everything and "/rubrics/demo/v1" in everything
    assert "<script>" not in everything


def test_list_marks_used_versions_and_says_when_there_are_none(client, auth):
    auth.login_as("admin")
    assert "No rubrics are recorded" in page(client.get("/rubrics/"))
    row = record()
    use_version(row.id)

    html = page(client.get("/rubrics/"))

    assert '<span class="tag">used</span>' in html
    assert 'href="/rubrics/upload"' in html


# --- one version ----------------------------------------------------------------------------


def test_view_shows_every_behaviour_anchor_flag_and_rule(client, auth):
    row = record()
    auth.login_as("rater")

    html = page(client.get("/rubrics/demo/v1"))

    assert "<h1>Demo rubric <span" in html
    for text in ("Literal content only.", "Names several, invites exploration.",
                 "Coach offers no solution in place of the coach", "weight 2",
                 "non-negotiable</span>", "at least <strong>70%</strong>",
                 "Minimum for this competency: <strong>50%</strong>",
                 "at least <strong>40%</strong>", "Not used by any score yet.",
                 "upload:demo.yaml", row.content_hash[:12]):
        assert text in html, text
    assert " style=" not in html


def test_view_says_when_a_version_is_used_and_links_other_versions(client, auth):
    row = record()
    record(variant(v="version: 1|version: 2"))
    use_version(row.id)
    auth.login_as("lead_coach")

    html = page(client.get("/rubrics/demo/v1"))

    assert "Scores use this version: it can never change" in html
    assert 'href="/rubrics/demo/v2">v2</a>' in html


def test_view_of_a_levels_non_negotiable_shows_its_level(client, auth):
    services.load_rubric_files(SystemActor("t"), PROJECT_RUBRICS)
    db.session.commit()
    auth.login_as("coach")

    html = page(client.get("/rubrics/audit/v1"))

    assert "non-negotiable: met at level 4 or above" in html
    assert "Minimum for this competency: <strong>75%</strong>" in html


@pytest.mark.parametrize("url", ["/rubrics/demo/v2", "/rubrics/nope/v1", "/rubrics/demo/vx"])
def test_view_of_an_unknown_version_is_404(client, auth, url):
    record()
    auth.login_as("admin")

    assert client.get(url).status_code == 404


# --- upload ---------------------------------------------------------------------------------


def test_upload_page_has_an_accessible_file_field(client, auth):
    auth.login_as("admin")

    html = page(client.get("/rubrics/upload"))

    assert '<label for="file">Rubric file (YAML)</label>' in html
    assert 'aria-describedby="file-hint"' in html
    assert 'enctype="multipart/form-data"' in html


def test_upload_records_the_version_and_redirects_to_it(client, auth):
    admin = auth.login_as("admin")

    response = upload(client, VALID)

    assert response.status_code == 302
    assert response.headers["Location"] == "/rubrics/demo/v1"
    row = db.session.scalar(sa.select(RubricVersion))
    assert (row.source, row.uploaded_by_id) == ("upload:demo.yaml", admin.id)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "rubric.version_recorded"))
    assert entry.actor_id == admin.id and entry.detail["via"] == "web"
    assert "Demo rubric (v1) recorded." in page(client.get("/rubrics/demo/v1"))


def test_upload_of_the_same_content_says_nothing_changed(client, auth):
    record()
    auth.login_as("admin")

    response = upload(client, VALID, follow_redirects=True)

    assert "already recorded with exactly this content; nothing changed" in page(response)


def test_invalid_upload_lists_each_path_and_reason_next_to_the_field(client, auth):
    auth.login_as("admin")

    response = upload(client, variant(v="version: 1|version: 0", s="scale: 1-5|scale: 1-7"))

    assert response.status_code == 400
    html = page(response)
    assert 'aria-invalid="true"' in html
    assert "2 problem(s) found; nothing was recorded." in html
    assert re.findall(r"<li><code>([^<]+)</code></li>", html) == [
        "version: Input should be greater than or equal to 1",
        "competencies.0.behaviours.1.scale: Input should be &#39;binary&#39; or &#39;1-5&#39;",
    ]
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 0


def test_upload_of_a_changed_used_version_is_refused_and_says_to_bump(client, auth):
    use_version(record().id)
    auth.login_as("admin")

    response = upload(client, variant(t="Demo rubric|Demo rubric, edited"))

    assert response.status_code == 400
    assert "has been used to score assessments and can never change; bump `version` to 2" in \
        page(response).replace("&#96;", "`")


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "", "Choose a rubric file to upload."),
    (VALID.encode(), "demo.txt", "Upload the rubric as a .yaml file."),
    (VALID.encode() + b"#" * 300_000, "demo.yaml", "the file is larger than 256 KB"),
    (b"id: [", "demo.yaml", "not valid YAML"),
])
def test_bad_uploads_are_refused_with_a_reason(client, auth, data, name, message):
    auth.login_as("admin")

    response = upload(client, data, name)

    assert response.status_code == 400
    assert message in page(response)
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 0


def test_upload_without_csrf_token_is_refused(client, auth):
    auth.login_as("admin")

    response = client.post("/rubrics/upload", data={"file": (io.BytesIO(VALID.encode()),
                                                             "demo.yaml")},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 0


@pytest.mark.parametrize("role", ["master_coach", "rater", "coach", "sponsor", "manager"])
def test_only_admins_may_post_an_upload(client, auth, role):
    auth.login_as(role)

    assert upload(client, VALID).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 0


def test_upload_of_a_directory_file_is_like_loading_it(client, auth, tmp_path):
    directory = write_dir(tmp_path, {"demo.yaml": VALID})
    services.load_rubric_files(SystemActor("t"), directory)
    db.session.commit()
    auth.login_as("admin")

    response = upload(client, variant(t="Demo rubric|Demo rubric, mine"))

    assert response.status_code == 400
    assert "already recorded from rubrics/demo.yaml" in page(response)


def test_list_parses_each_rubric_once_across_requests(client, auth, monkeypatch):
    from coachprog.rubrics.models import _domain_rubric
    from coachprog.rubrics.schema import RubricSpec

    services.load_rubric_files(SystemActor("t"), PROJECT_RUBRICS)
    db.session.commit()
    auth.login_as("coach")
    rubrics = db.session.scalar(sa.select(sa.func.count()).select_from(RubricVersion))
    calls: list[object] = []
    validate = RubricSpec.model_validate

    def spy(content, *args, **kwargs):
        calls.append(content)
        return validate(content, *args, **kwargs)

    _domain_rubric.cache_clear()
    monkeypatch.setattr(RubricSpec, "model_validate", spy)

    first, second = client.get("/rubrics/"), client.get("/rubrics/")

    assert first.status_code == second.status_code == 200
    assert len(calls) == rubrics > 1

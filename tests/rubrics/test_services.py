"""Recording rubric versions from files and uploads: idempotence and immutability."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachprog.authority import SystemActor
from coachprog.errors import NotFound, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.rubrics import services
from coachprog.rubrics.models import RubricVersion, _domain_rubric
from coachprog.rubrics.schema import RubricSpec, load_rubric_text
from coachprog.rubrics.services import Outcome, RubricRejected
from tests.factories import UserFactory
from tests.rubrics.conftest import PROJECT_RUBRICS, VALID, use_version, variant, write_dir

CHANGED = variant(t="title: Demo rubric|title: Demo rubric, clearer")


def load(directory):
    summary = services.load_rubric_files(SystemActor("rubrics load"), directory)
    db.session.commit()
    return summary


def versions() -> list[tuple[str, int, str, str]]:
    db.session.expire_all()
    return [(v.rubric_key, v.version, v.title, v.source) for v in db.session.scalars(
        sa.select(RubricVersion).order_by(RubricVersion.rubric_key, RubricVersion.version))]


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def the_content() -> dict:
    return load_rubric_text(VALID)[1]


def the_version(key="demo", version=1) -> RubricVersion:
    return db.session.scalar(sa.select(RubricVersion).where(
        RubricVersion.rubric_key == key, RubricVersion.version == version))


# --- loading files --------------------------------------------------------------------------


def test_load_records_each_file_with_its_canonical_content_and_an_audit_entry(rubrics_dir):
    summary = load(rubrics_dir)

    assert summary.as_dict() == {"recorded": 1, "replaced": 0, "unchanged": 0}
    row = the_version()
    assert (row.title, row.purpose, row.source) == ("Demo rubric", "session_review",
                                                    "rubrics/demo.yaml")
    assert row.content["competencies"][0]["behaviours"][1]["anchors"] == {
        "1": "Literal content only.", "2": "Notices, does not name.",
        "3": "Names one and checks.", "4": "Names several, invites exploration.",
        "5": "Links them to the goal."}
    assert row.to_domain().behaviour("beneath").anchors[3] == "Names one and checks."
    assert row.uploaded_by_id is None
    (entry,) = db.session.scalars(sa.select(AuditEntry))
    assert (entry.action, entry.actor_label, entry.object_type, entry.object_id) == (
        "rubric.version_recorded", "system:rubrics load", "rubric_version", str(row.id))
    assert entry.detail["content_hash"] == row.content_hash
    assert entry.detail["source"] == "rubrics/demo.yaml"


def test_load_is_idempotent(rubrics_dir):
    load(rubrics_dir)
    first = the_version()
    first_id, first_loaded = first.id, first.loaded_at

    summary = load(rubrics_dir)

    assert summary.as_dict() == {"recorded": 0, "replaced": 0, "unchanged": 1}
    assert (the_version().id, the_version().loaded_at) == (first_id, first_loaded)
    assert audit_actions() == ["rubric.version_recorded"]


def test_reformatting_a_used_file_is_not_a_change(rubrics_dir):
    load(rubrics_dir)
    use_version(the_version().id)
    (rubrics_dir / "demo.yaml").write_text("# reworded comment\n" + VALID.replace(
        "title: Demo rubric", "title:   'Demo rubric'"))

    assert load(rubrics_dir).as_dict()["unchanged"] == 1


def test_the_shipped_rubrics_load(tmp_path):
    summary = load(PROJECT_RUBRICS)

    assert sorted(summary.recorded) == [
        "audit v1", "capstone-brief v1", "interview v1", "recertification v1",
        "session-review v1", "simulation-performance v1", "simulation-transition v1"]
    assert len(versions()) == 7


def test_a_changed_file_replaces_its_version_while_no_mark_used_it(rubrics_dir):
    load(rubrics_dir)
    before = the_version()
    old_id, old_hash = before.id, before.content_hash
    (rubrics_dir / "demo.yaml").write_text(CHANGED)

    summary = load(rubrics_dir)

    assert summary.replaced == ["demo v1"]
    after = the_version()
    assert (after.id, after.title) == (old_id, "Demo rubric, clearer")
    assert after.content_hash != old_hash
    assert audit_actions() == ["rubric.version_recorded", "rubric.version_replaced"]
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.detail["previous_hash"] == old_hash
    assert entry.detail["content_hash"] == after.content_hash


def test_a_changed_file_is_refused_once_a_mark_used_its_version(rubrics_dir):
    load(rubrics_dir)
    use_version(the_version().id)
    (rubrics_dir / "demo.yaml").write_text(CHANGED)
    (rubrics_dir / "fresh.yaml").write_text(variant(i="id: demo|id: fresh"))
    name = str(rubrics_dir / "demo.yaml")

    with pytest.raises(RubricRejected) as caught:
        services.load_rubric_files(SystemActor("rubrics load"), rubrics_dir)

    (problem,) = caught.value.problems
    assert problem.file == name and problem.path == "version"
    assert problem.reason == (
        f"{name} changes demo v1, which has been used to score assessments and can never "
        "change; bump `version` to 2")
    db.session.rollback()
    assert versions() == [("demo", 1, "Demo rubric", "rubrics/demo.yaml")]  # fresh not added


def test_bumping_the_version_keeps_the_used_one(rubrics_dir):
    load(rubrics_dir)
    use_version(the_version().id)
    (rubrics_dir / "demo.yaml").write_text(variant(CHANGED, v="version: 1|version: 2"))

    summary = load(rubrics_dir)

    assert summary.recorded == ["demo v2"]
    assert versions() == [("demo", 1, "Demo rubric", "rubrics/demo.yaml"),
                          ("demo", 2, "Demo rubric, clearer", "rubrics/demo.yaml")]


def test_an_invalid_file_records_nothing(rubrics_dir):
    (rubrics_dir / "broken.yaml").write_text(variant(i="id: demo|id: broken",
                                                     v="version: 1|version: 0"))

    with pytest.raises(RubricRejected) as caught:
        services.load_rubric_files(SystemActor("rubrics load"), rubrics_dir)

    assert [p.short() for p in caught.value.problems] == [
        "version: Input should be greater than or equal to 1"]
    assert caught.value.message == "1 problem(s) found; nothing was recorded."
    db.session.rollback()
    assert versions() == []


def test_load_defaults_to_the_configured_directory(app, rubrics_dir, monkeypatch):
    monkeypatch.setitem(app.config, "COACHPROG_RUBRICS_DIR", rubrics_dir)

    assert services.load_rubric_files(SystemActor("x")).recorded == ["demo v1"]


@pytest.mark.parametrize("role", ["master_coach", "rater", "coach", "sponsor"])
def test_only_admins_may_load_or_upload(rubrics_dir, role):
    user = UserFactory(roles=[role])

    with pytest.raises(NotPermitted):
        services.load_rubric_files(user, rubrics_dir)
    with pytest.raises(NotPermitted):
        services.upload_rubric(user, "demo.yaml", VALID.encode())


def test_check_recorded_versions_reports_without_writing(rubrics_dir):
    from coachprog.rubrics.files import check_rubric_directory

    load(rubrics_dir)
    use_version(the_version().id)
    (rubrics_dir / "demo.yaml").write_text(CHANGED)

    problems = services.check_recorded_versions(SystemActor("rubrics check"),
                                                check_rubric_directory(rubrics_dir).files)

    assert [p.path for p in problems] == ["version"]
    assert the_version().title == "Demo rubric"


# --- uploads --------------------------------------------------------------------------------


def test_upload_records_a_version_as_the_admins(rubrics_dir):
    admin = UserFactory(roles=["admin"])

    result = services.upload_rubric(admin, "Our Framework.yaml", VALID.encode())
    db.session.commit()

    assert result.outcome is Outcome.RECORDED
    row = the_version()
    assert (row.source, row.uploaded_by_id) == ("upload:Our_Framework.yaml", admin.id)
    (entry,) = db.session.scalars(sa.select(AuditEntry))
    assert (entry.action, entry.actor_id) == ("rubric.version_recorded", admin.id)


def test_upload_twice_is_a_no_op_and_a_changed_upload_replaces_while_unused():
    admin = UserFactory(roles=["admin"])
    services.upload_rubric(admin, "demo.yaml", VALID.encode())

    assert services.upload_rubric(admin, "demo.yaml", VALID.encode()).outcome is \
        Outcome.UNCHANGED
    # Another file name from the same kind of source (an upload) may correct it while unused.
    assert services.upload_rubric(admin, "demo-fixed.yaml", CHANGED.encode()).outcome is \
        Outcome.REPLACED
    db.session.commit()
    assert versions() == [("demo", 1, "Demo rubric, clearer", "upload:demo-fixed.yaml")]


def test_upload_is_refused_once_the_version_is_used():
    admin = UserFactory(roles=["admin"])
    row = services.upload_rubric(admin, "demo.yaml", VALID.encode()).version
    db.session.commit()
    use_version(row.id)

    with pytest.raises(RubricRejected) as caught:
        services.upload_rubric(admin, "demo.yaml", CHANGED.encode())

    assert [p.describe() for p in caught.value.problems] == [
        "demo.yaml:version: demo.yaml changes demo v1, which has been used to score "
        "assessments and can never change; bump `version` to 2"]


def test_upload_never_replaces_a_version_from_rubrics_and_vice_versa(rubrics_dir, tmp_path):
    admin = UserFactory(roles=["admin"])
    load(rubrics_dir)

    with pytest.raises(RubricRejected) as caught:
        services.upload_rubric(admin, "demo.yaml", CHANGED.encode())
    assert caught.value.problems[0].reason == (
        "demo v1 is already recorded from rubrics/demo.yaml with other content; use another "
        "id or bump `version` to 2")

    services.upload_rubric(admin, "other.yaml", variant(i="id: demo|id: other").encode())
    db.session.commit()
    files = write_dir(tmp_path / "second",
                      {"other.yaml": variant(CHANGED, i="id: demo|id: other")})
    with pytest.raises(RubricRejected) as caught:
        services.load_rubric_files(SystemActor("rubrics load"), files)
    assert "already recorded from upload:other.yaml" in caught.value.problems[0].reason


def test_an_invalid_upload_lists_its_problems_under_a_safe_name():
    admin = UserFactory(roles=["admin"])

    with pytest.raises(RubricRejected) as caught:
        services.upload_rubric(admin, "../../etc/evil.yaml", variant(v="version: 1|version: x")
                               .encode())

    assert [p.describe() for p in caught.value.problems] == [
        "etc_evil.yaml:version: Input should be a valid integer, unable to parse string as an "
        "integer"]
    assert versions() == []


def test_an_oversized_upload_is_refused():
    admin = UserFactory(roles=["admin"])

    with pytest.raises(RubricRejected) as caught:
        services.upload_rubric(admin, "big.yaml", VALID.encode() + b"#" * 300_000)

    assert caught.value.problems[0].reason == "the file is larger than 256 KB"


# --- queries --------------------------------------------------------------------------------


def test_list_groups_versions_latest_first_and_filters_by_purpose(rubrics_dir):
    load(rubrics_dir)
    (rubrics_dir / "demo.yaml").write_text(variant(v="version: 1|version: 3"))
    load(rubrics_dir)
    (rubrics_dir / "demo.yaml").unlink()
    (rubrics_dir / "int.yaml").write_text(variant(i="id: demo|id: int",
                                                  p="purpose: session_review|purpose: interview"))
    load(rubrics_dir)
    rater = UserFactory(roles=["rater"])

    overviews = services.list_rubrics(rater)
    assert [(o.latest.rubric_key, o.latest.version, [v.version for v in o.older])
            for o in overviews] == [("demo", 3, [1]), ("int", 1, [])]
    assert [o.latest.rubric_key for o in services.list_rubrics(rater, purpose="interview")] == [
        "int"]
    assert services.list_rubrics(rater, purpose="audit") == []


def test_get_rubric_version_and_its_refusals(rubrics_dir):
    load(rubrics_dir)
    coach = UserFactory(roles=["coach"])

    assert services.get_rubric_version(coach, "demo", 1).title == "Demo rubric"
    with pytest.raises(NotFound):
        services.get_rubric_version(coach, "demo", 2)
    for role in ("sponsor", "manager"):
        with pytest.raises(NotPermitted):
            services.get_rubric_version(UserFactory(roles=[role]), "demo", 1)


def test_used_versions_are_those_with_a_mark(rubrics_dir):
    load(rubrics_dir)
    (rubrics_dir / "demo.yaml").write_text(variant(v="version: 1|version: 2"))
    load(rubrics_dir)
    v1, v2 = the_version(version=1), the_version(version=2)

    assert services.used_version_ids() == set()
    use_version(v1.id)

    assert services.used_version_ids() == {v1.id}
    assert services.used_version_ids([v2.id]) == set()
    assert services.used_version_ids([]) == set()
    assert services.is_version_used(v1) and not services.is_version_used(v2)


# --- the domain rubric of a version is parsed once ----------------------------------------------


@pytest.fixture
def validations(monkeypatch) -> list[object]:
    """Every pydantic validation of stored rubric content, from a cold cache."""
    calls: list[object] = []
    validate = RubricSpec.model_validate

    def spy(content, *args, **kwargs):
        calls.append(content)
        return validate(content, *args, **kwargs)

    _domain_rubric.cache_clear()
    monkeypatch.setattr(RubricSpec, "model_validate", spy)
    yield calls
    _domain_rubric.cache_clear()


def test_to_domain_parses_a_version_once(rubrics_dir, validations):
    load(rubrics_dir)
    row = the_version()
    validations.clear()  # reading the file validated it too

    first = row.to_domain()
    db.session.expire_all()  # a fresh row object, as in the next request
    again = the_version().to_domain()

    assert again is first
    assert len(validations) == 1


def test_to_domain_of_other_content_is_not_served_from_the_cache(rubrics_dir, validations):
    load(rubrics_dir)
    before = the_version()
    old_hash, old = before.content_hash, before.to_domain()
    (rubrics_dir / "demo.yaml").write_text(CHANGED)  # unused, so replaced in place
    load(rubrics_dir)
    db.session.expire_all()
    after = the_version()
    validations.clear()  # reading the files validated them too

    assert after.id == before.id and after.content_hash != old_hash
    assert after.to_domain().title == "Demo rubric, clearer"
    assert old.title == "Demo rubric"
    assert len(validations) == 1


def test_to_domain_of_a_version_not_yet_recorded_is_not_cached(validations):
    content = the_content()
    validations.clear()
    first = RubricVersion(content=content).to_domain()
    second = RubricVersion(content={**content, "title": "Another"}).to_domain()

    assert (first.title, second.title) == ("Demo rubric", "Another")
    assert len(validations) == 2

"""The rubric file format: every way a file can be wrong, the shipped rubrics, the schema."""

from __future__ import annotations

import json

import pytest

from coachprog.rubrics.domain import Purpose, ScaleKind
from coachprog.rubrics.files import check_rubric_directory, invoked_as_rubrics_command
from coachprog.rubrics.schema import (
    MAX_FILE_BYTES,
    RubricInvalid,
    content_hash,
    load_rubric_bytes,
    load_rubric_text,
    rubric_from_content,
    rubric_json_schema_text,
)
from tests.rubrics.conftest import PROJECT_RUBRICS, VALID, variant, write_dir

SHIPPED = sorted(PROJECT_RUBRICS.glob("*.yaml"))


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_text(text)
    return caught.value.problems


# --- a valid file -----------------------------------------------------------------------------


def test_valid_file_gives_the_domain_rubric_and_canonical_content():
    rubric, content = load_rubric_text(VALID)

    assert (rubric.id, rubric.version, rubric.purpose) == ("demo", 1, Purpose.SESSION_REVIEW)
    assert [c.id for c in rubric.competencies] == ["listening", "stance"]
    beneath = rubric.behaviour("beneath")
    assert beneath.scale is ScaleKind.LEVELS and beneath.weight == 2
    assert list(beneath.anchors) == [1, 2, 3, 4, 5]
    assert rubric.behaviour("no-advising").non_negotiable
    assert rubric.competencies[0].minimum == 0.5 and rubric.competencies[1].minimum is None
    assert rubric.pass_rules.competency_minimum == 0.4
    assert rubric.pass_rules.non_negotiables_required is True
    assert "minimum" not in content["competencies"][1]  # None is dropped, not stored
    assert rubric_from_content(content) == rubric


def test_comments_and_formatting_do_not_change_the_hash_but_content_does():
    _, content = load_rubric_text(VALID)
    _, reformatted = load_rubric_text(
        "# another comment\n" + VALID.replace("version: 1", "version:    1  # first"))
    _, edited = load_rubric_text(variant(t="Demo rubric|Demo rubric, edited"))

    assert content_hash(reformatted) == content_hash(content)
    assert content_hash(edited) != content_hash(content)
    assert len(content_hash(content)) == 64


def test_strings_are_stripped():
    rubric, _ = load_rubric_text(variant(t="title: Demo rubric|title: '  Demo rubric  '"))

    assert rubric.title == "Demo rubric"


def test_bytes_with_a_utf8_bom_are_accepted():
    rubric, _ = load_rubric_bytes(b"\xef\xbb\xbf" + VALID.encode())

    assert rubric.id == "demo"


# --- every way to be wrong ------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line():
    text = VALID.replace("    title: Listening\n", "    title: [Listening\n", 1)

    [(path, reason)] = problems(text)

    assert path.startswith("line ")
    assert int(path.removeprefix("line ")) >= 10
    assert reason.startswith("not valid YAML: ")


def test_duplicate_key_is_an_error_with_its_line():
    text = VALID.replace("          3: Names one and checks.\n",
                         "          3: Names one and checks.\n          3: Again.\n", 1)

    assert problems(text) == [("line 23", "not valid YAML: duplicate key 3")]


@pytest.mark.parametrize("text", ["", "just words", "- a\n- list\n", "42"])
def test_a_file_that_is_not_a_mapping_is_refused(text):
    assert problems(text) == [("", "a rubric file holds one YAML mapping (id, version, ...)")]


def test_missing_required_fields_are_each_named():
    text = "id: demo\nversion: 1\n"

    assert problems(text) == [("title", "Field required"), ("purpose", "Field required"),
                              ("competencies", "Field required"),
                              ("pass_rules", "Field required")]


@pytest.mark.parametrize(("change", "path", "reason"), [
    ("id: demo|id: Demo Rubric", "id", "String should match pattern '^[a-z0-9][a-z0-9_-]*$'"),
    ("version: 1|version: 0", "version", "Input should be greater than or equal to 1"),
    ("version: 1|version: one", "version",
     "Input should be a valid integer, unable to parse string as an integer"),
    ("purpose: session_review|purpose: coffee", "purpose",
     "Input should be 'interview', 'simulation', 'session_review', 'capstone', 'audit' or "
     "'recertification'"),
    ("description: For tests.|descripton: For tests.", "descripton",
     "Extra inputs are not permitted"),
    ("minimum: 0.5|minimum: 1.5", "competencies.0.minimum",
     "Input should be less than or equal to 1"),
    ("overall_threshold: 0.7|overall_threshold: -0.1", "pass_rules.overall_threshold",
     "Input should be greater than or equal to 0"),
    ("description: Coach reflects what the coachee said.|description: Nods.",
     "competencies.0.behaviours.0.description", "String should have at least 10 characters"),
    ("scale: binary|scale: 1-10", "competencies.0.behaviours.0.scale",
     "Input should be 'binary' or '1-5'"),
    ("weight: 2|weight: 0", "competencies.0.behaviours.1.weight",
     "Input should be greater than 0"),
    ("non_negotiable: true|non_negotiable: perhaps", "competencies.1.behaviours.0.non_negotiable",
     "Input should be a valid boolean, unable to interpret input"),
    ("          5: Links them to the goal.\n|", "competencies.0.behaviours.1.anchors",
     "a 1-5 behaviour needs an anchor for every level; missing 5"),
    ("          1: Literal content only.\n|          0: Nothing.\n          6: Beyond.\n",
     "competencies.0.behaviours.1.anchors",
     "a 1-5 behaviour needs an anchor for every level; missing 1"),
    ("          5: Links them to the goal.\n|          5: Links them to the goal.\n"
     "          6: Beyond.\n",
     "competencies.0.behaviours.1.anchors", "anchors only for levels 1-5, not 6"),
    ("          5: Links them to the goal.|          five: Links them to the goal.",
     "competencies.0.behaviours.1.anchors.five.[key]",
     "Input should be a valid integer, unable to parse string as an integer"),
    ("          3: Names one and checks.|          3: ok",
     "competencies.0.behaviours.1.anchors.3", "String should have at least 3 characters"),
    ("        scale: binary\n|        scale: binary\n        anchors: {1: absent, 2: present}\n",
     "competencies.0.behaviours.0.anchors",
     "a binary behaviour has no anchors (it is present or absent)"),
    ("        non_negotiable: true\n|        non_negotiable: true\n        met_at: 4\n",
     "competencies.1.behaviours.0.met_at", "met_at applies to 1-5 behaviours only"),
    ("        weight: 2\n|        weight: 2\n        met_at: 4\n",
     "competencies.0.behaviours.1.met_at", "met_at only applies to a non_negotiable behaviour"),
    ("  - id: stance|  - id: listening", "competencies.1.id",
     "competency id 'listening' is already used by competencies.0"),
    ("  - id: no-advising|  - id: reflects", "competencies.1.behaviours.0.id",
     "behaviour id 'reflects' is already used by competencies.0.behaviours.0"),
])
def test_each_problem_names_its_path_and_reason(change, path, reason):
    assert problems(variant(c=change)) == [(path, reason)]


def test_a_misspelt_field_is_both_unknown_and_missing():
    assert problems(variant(c="overall_threshold: 0.7|overall_thresold: 0.7")) == [
        ("pass_rules.overall_threshold", "Field required"),
        ("pass_rules.overall_thresold", "Extra inputs are not permitted"),
    ]


def test_empty_lists_are_refused():
    text = variant(a="    behaviours:\n      - id: no-advising|    behaviours: []\n    other:\n"
                     "      - id: no-advising")
    assert ("competencies.1.behaviours", "List should have at least 1 item after validation, "
            "not 0") in problems(text)
    text = "id: demo\nversion: 1\ntitle: Demo\npurpose: audit\ncompetencies: []\n" \
           "pass_rules: {overall_threshold: 0.5}\n"
    assert problems(text) == [("competencies",
                               "List should have at least 1 item after validation, not 0")]


def test_every_problem_of_a_file_is_reported_at_once():
    text = variant(a="version: 1|version: 0", b="scale: binary|scale: ternary",
                   c="          5: Links them to the goal.\n|")

    assert [path for path, _ in problems(text)] == [
        "version", "competencies.0.behaviours.0.scale", "competencies.0.behaviours.1.anchors"]


def test_bytes_over_the_size_limit_are_refused_before_parsing():
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert caught.value.problems == [("", "the file is larger than 256 KB")]


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_bytes(b"id: d\xe9mo\n")
    assert caught.value.problems == [("", "not UTF-8 text (byte 5)")]


def test_yaml_tags_that_build_objects_are_refused():
    [(path, reason)] = problems("!!python/object/apply:os.system ['true']\n")

    assert path == "line 1" and reason.startswith("not valid YAML")


# --- the directory --------------------------------------------------------------------------


def test_directory_with_valid_files_has_no_problems(tmp_path):
    directory = write_dir(tmp_path, {"demo.yaml": VALID, "notes.txt": "ignored",
                                     "other.yml": variant(i="id: demo|id: other")})

    check = check_rubric_directory(directory)

    assert check.problems == ()
    assert [f.rubric.id for f in check.files] == ["demo", "other"]


def test_directory_problems_name_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    directory = write_dir(tmp_path, {
        "demo.yaml": VALID,
        "demo.yml": variant(v="version: 1|version: 2"),
        "renamed.yaml": VALID.replace("id: demo", "id: something-else"),
        "bad name.yaml": VALID,
        "broken.yaml": variant(v="version: 1|version: 0"),
    })

    check = check_rubric_directory(directory)

    assert [p.describe() for p in check.problems] == [
        "rubrics/bad name.yaml:: a rubric file name uses only letters, digits, '.', '-' and '_' "
        "and ends in .yaml",
        "rubrics/broken.yaml:version: Input should be greater than or equal to 1",
        "rubrics/renamed.yaml:id: the id 'something-else' does not match the file name; name "
        "the file something-else.yaml (one file per rubric)",
        "rubrics/demo.yml:id: rubric 'demo' (version 2) is also defined in rubrics/demo.yaml",
    ]
    assert [f.name for f in check.files] == ["rubrics/demo.yaml"]


def test_directory_refuses_an_oversized_file(tmp_path):
    directory = write_dir(tmp_path, {"demo.yaml": VALID + "#" * MAX_FILE_BYTES})

    (problem,) = check_rubric_directory(directory).problems

    assert problem.path == "" and problem.reason == "the file is larger than 256 KB"


def test_missing_directory_is_a_problem(tmp_path):
    (problem,) = check_rubric_directory(tmp_path / "nowhere").problems

    assert problem.file.endswith("nowhere") and problem.reason == "no such directory"


@pytest.mark.parametrize(("argv", "expected"), [
    (["/venv/bin/flask", "--app", "wsgi", "rubrics", "check"], True),
    (["/usr/lib/python3/site-packages/flask/__main__.py", "rubrics", "load"], True),
    (["/venv/bin/flask", "--app", "wsgi", "serve"], False),
    (["/venv/bin/pytest", "-k", "rubrics"], False),
    ([], False),
])
def test_only_the_rubrics_commands_skip_the_startup_check(argv, expected):
    assert invoked_as_rubrics_command(argv) is expected


# --- what we ship ---------------------------------------------------------------------------


def test_the_shipped_directory_is_valid_and_complete():
    check = check_rubric_directory(PROJECT_RUBRICS)

    assert check.problems == ()
    assert {f.rubric.id: f.rubric.purpose.value for f in check.files} == {
        "session-review": "session_review", "interview": "interview",
        "simulation-performance": "simulation", "simulation-transition": "simulation",
        "capstone-brief": "capstone", "audit": "audit",
        "recertification": "recertification",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_rubric_can_pass_and_can_fail(path):
    from coachprog.rubrics.domain import score_assessment

    rubric, _ = load_rubric_text(path.read_text())
    top = {b.id: max(b.valid_values()) for b in rubric.behaviours}
    bottom = {b.id: min(b.valid_values()) for b in rubric.behaviours}

    assert score_assessment(rubric, top).passed
    assert not score_assessment(rubric, bottom).passed
    assert any(b.non_negotiable for b in rubric.behaviours)


def _fails_only_on_non_negotiable(rubric_id: str, behaviour_id: str) -> None:
    from coachprog.rubrics.domain import score_assessment

    rubric, _ = load_rubric_text((PROJECT_RUBRICS / f"{rubric_id}.yaml").read_text())
    marks = {b.id: max(b.valid_values()) for b in rubric.behaviours}
    behaviour = rubric.behaviour(behaviour_id)
    marks[behaviour_id] = 0 if behaviour.scale is ScaleKind.BINARY else behaviour.met_at - 1
    result = score_assessment(rubric, marks)
    assert not result.passed
    assert result.failed_rules[-1].startswith("Non-negotiable not met")


def test_session_review_fails_a_coach_who_advises_instead_of_evoking():
    _fails_only_on_non_negotiable("session-review", "aware-no-advising")


def test_interview_fails_a_candidate_who_reverts_to_telling():
    _fails_only_on_non_negotiable("interview", "int-stance-no-telling")


@pytest.mark.parametrize("field", ["kpi-name", "kpi-baseline", "kpi-target", "kpi-source"])
def test_capstone_brief_needs_every_part_of_the_kpi(field):
    _fails_only_on_non_negotiable("capstone-brief", field)


def test_audit_flags_advising_drift():
    _fails_only_on_non_negotiable("audit", "drift-advising")


@pytest.mark.parametrize("behaviour", ["recert-ethics-clear", "recert-confidentiality"])
def test_recertification_fails_on_ethics_or_identifying_clients(behaviour):
    _fails_only_on_non_negotiable("recertification", behaviour)


def test_recertification_rubric_covers_each_piece_of_evidence():
    rubric, _ = load_rubric_text((PROJECT_RUBRICS / "recertification.yaml").read_text())

    assert [c.id for c in rubric.competencies] == [
        "ethics", "practice", "outcomes", "peer", "development"]


def test_session_review_covers_grow_and_the_icf_areas():
    rubric, _ = load_rubric_text((PROJECT_RUBRICS / "session-review.yaml").read_text())
    titles = " ".join(c.title for c in rubric.competencies)

    for word in ("Ethical", "mindset", "agreements", "trust", "presence", "Listens",
                 "awareness", "growth", "Goal", "Reality", "Options", "Way forward"):
        assert word.lower() in titles.lower(), word


@pytest.mark.parametrize("rubric_id", ["simulation-performance", "simulation-transition"])
def test_simulations_say_they_last_25_to_30_minutes(rubric_id):
    rubric, _ = load_rubric_text((PROJECT_RUBRICS / f"{rubric_id}.yaml").read_text())

    assert "25-30 minute" in rubric.description


def test_committed_schema_json_is_current():
    committed = (PROJECT_RUBRICS / "schema.json").read_text()

    assert committed == rubric_json_schema_text(), (
        "rubrics/schema.json is out of date: flask --app wsgi rubrics schema > "
        "rubrics/schema.json")
    schema = json.loads(committed)
    assert schema["required"] == ["id", "version", "title", "purpose", "competencies",
                                  "pass_rules"]


def test_readme_documents_every_field():
    readme = (PROJECT_RUBRICS / "README.md").read_text()
    schema = json.loads(rubric_json_schema_text())
    fields = set(schema["properties"])
    for definition in schema["$defs"].values():
        fields |= set(definition["properties"])

    for name in fields:
        assert f"`{name}`" in readme, name
    assert "schema.json" in readme


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_rubrics_validate_against_schema_json_as_an_editor_would(path):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads((PROJECT_RUBRICS / "schema.json").read_text())
    document = json.loads(json.dumps(yaml.safe_load(path.read_text())))  # JSON keys: strings

    jsonschema.Draft202012Validator(schema).validate(document)
    document["purpose"] = "coffee"
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)

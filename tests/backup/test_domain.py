"""The backup manifest and the checks a restore makes before writing anything (no app)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coachprog.backup import domain
from coachprog.backup.domain import FileEntry, Manifest, ManifestInvalid

CREATED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _measure_in(folder: Path):
    def measure(relative: str) -> tuple[int, str] | None:
        path = folder / relative
        if not path.is_file():
            return None
        with path.open("rb") as reader:
            return domain.hash_stream(reader)
    return measure


def _backup_folder(tmp_path: Path) -> tuple[Path, Manifest]:
    """A small backup folder on disk and the manifest that describes it."""
    contents = {"database.sqlite3": b"SQLite format 3\x00" + b"\x01" * 100,
                "files/recordings/ab/session.wav": b"RIFF" + b"\x02" * 5000,
                "files/evidence/notes.pdf": b"%PDF-1.7 evidence",
                "files/instance/secret_key": b"0123456789abcdef"}
    entries = []
    for relative, data in contents.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        size, sha = _measure_in(tmp_path)(relative)
        entries.append(FileEntry(relative, size, sha))
    manifest = Manifest(created_at=CREATED, database_kind="sqlite",
                        schema_revision="0011_recertification",
                        schema_head="0011_recertification", database=entries[0],
                        files=tuple(entries[1:]))
    return tmp_path, manifest


def _raw(manifest: Manifest) -> dict:
    return json.loads(manifest.to_json())


def test_manifest_survives_its_json_round_trip(tmp_path) -> None:
    _, manifest = _backup_folder(tmp_path)

    parsed = domain.parse_manifest(manifest.to_json())

    assert parsed == manifest
    assert parsed.files[0].area == "recordings"
    assert parsed.files[0].relative == "ab/session.wav"
    assert parsed.database.area is None
    assert parsed.total_bytes == sum(e.size for e in manifest.entries)


def test_hash_stream_matches_hashlib_and_feeds_the_sink(tmp_path) -> None:
    import hashlib

    data = b"x" * (domain.CHUNK * 2 + 17)
    path = tmp_path / "big"
    path.write_bytes(data)
    copied = bytearray()

    with path.open("rb") as reader:
        size, sha = domain.hash_stream(reader, copied.extend)

    assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    assert bytes(copied) == data


def test_an_untouched_backup_verifies(tmp_path) -> None:
    folder, manifest = _backup_folder(tmp_path)

    assert domain.verify_entries(manifest.entries, _measure_in(folder)) == []


def test_a_tampered_file_of_the_same_size_is_named(tmp_path) -> None:
    folder, manifest = _backup_folder(tmp_path)
    wav = folder / "files/recordings/ab/session.wav"
    data = bytearray(wav.read_bytes())
    data[100] ^= 0xFF
    wav.write_bytes(bytes(data))

    problems = domain.verify_entries(manifest.entries, _measure_in(folder))

    assert problems == ["files/recordings/ab/session.wav does not match its SHA-256 checksum "
                        "(the file was changed or damaged)"]


def test_missing_and_truncated_files_are_named(tmp_path) -> None:
    folder, manifest = _backup_folder(tmp_path)
    (folder / "files/evidence/notes.pdf").unlink()
    (folder / "database.sqlite3").write_bytes(b"SQLite")

    problems = domain.verify_entries(manifest.entries, _measure_in(folder))

    assert problems == ["database.sqlite3 has 6 bytes; the manifest says 116",
                        "files/evidence/notes.pdf is missing from the backup"]


@pytest.mark.parametrize(("text", "expected"), [
    ("{not json", "manifest.json is not valid JSON"),
    ("[]", "does not describe a coachprog backup"),
    (json.dumps({"format": "zip"}), "does not describe a coachprog backup"),
    (json.dumps({"format": domain.FORMAT, "format_version": 99}),
     "backup format version 99 is not supported"),
])
def test_unreadable_manifests_are_refused_in_words(text, expected) -> None:
    with pytest.raises(ManifestInvalid) as refused:
        domain.parse_manifest(text)

    assert expected in str(refused.value)


@pytest.mark.parametrize("path", ["../outside", "/etc/passwd", "files/recordings/../../x",
                                  "files/recordings//x", "files\\recordings\\x", ""])
def test_paths_that_escape_the_backup_are_refused(tmp_path, path) -> None:
    _, manifest = _backup_folder(tmp_path)
    raw = _raw(manifest)
    raw["files"][0]["path"] = path

    with pytest.raises(ManifestInvalid) as refused:
        domain.parse_manifest(json.dumps(raw))

    assert any("unsafe or missing path" in problem for problem in refused.value.problems)


def test_every_problem_of_a_manifest_is_listed(tmp_path) -> None:
    _, manifest = _backup_folder(tmp_path)
    raw = _raw(manifest)
    raw["database_kind"] = "oracle"
    raw["created_at"] = "yesterday"
    raw["files"][0]["sha256"] = "abc"
    raw["files"][1]["path"] = "files/elsewhere/x"
    raw["files"][2]["size"] = -1
    del raw["schema_head"]

    with pytest.raises(ManifestInvalid) as refused:
        domain.parse_manifest(json.dumps(raw))

    assert refused.value.problems == [
        "created_at 'yesterday' is not a date and time",
        "database kind 'oracle' is not one of sqlite, postgresql",
        "schema_head is missing",
        "files/recordings/ab/session.wav: the SHA-256 is missing or malformed",
        "files/elsewhere/x: not under files/<area>/ with a known area",
        "files/instance/secret_key: the size is missing or not a whole number",
    ]


def test_the_snapshot_must_match_the_database_kind(tmp_path) -> None:
    _, manifest = _backup_folder(tmp_path)
    raw = _raw(manifest)
    raw["database_kind"] = "postgresql"

    with pytest.raises(ManifestInvalid, match=r"should be database\.pgdump"):
        domain.parse_manifest(json.dumps(raw))


def test_a_file_listed_twice_is_refused(tmp_path) -> None:
    _, manifest = _backup_folder(tmp_path)
    raw = _raw(manifest)
    raw["files"].append(dict(raw["files"][0]))

    with pytest.raises(ManifestInvalid, match="listed twice"):
        domain.parse_manifest(json.dumps(raw))


HISTORY = ["0001_initial", "0002_people", "0003_rubrics"]


def test_schema_plan_restores_the_head_as_it_is() -> None:
    assert domain.plan_schema("0003_rubrics", HISTORY, "0003_rubrics") == domain.SchemaPlan()


def test_schema_plan_upgrades_an_older_backup() -> None:
    plan = domain.plan_schema("0002_people", HISTORY, "0003_rubrics")

    assert plan.refusal is None and plan.upgrade


def test_schema_plan_refuses_a_newer_backup_in_words() -> None:
    plan = domain.plan_schema("0004_future", HISTORY, "0003_rubrics")

    assert plan.refusal is not None
    assert "0004_future is newer than (or unknown to) this code" in plan.refusal
    assert "0003_rubrics" in plan.refusal


def test_schema_plan_refuses_an_unmigrated_database() -> None:
    plan = domain.plan_schema(None, HISTORY, "0003_rubrics")

    assert plan.refusal is not None and "no schema revision" in plan.refusal


@pytest.mark.parametrize(("name", "transient"), [
    (".upload-3f2a.part", True), ("batch.zip.part", True), ("brief.docx.partial", True),
    (".restore-ab12", True), ("session.wav", False), ("secret_key", False),
])
def test_half_written_files_are_transient(name, transient) -> None:
    assert domain.is_transient(name) is transient


@pytest.mark.parametrize(("url", "kind"), [
    ("sqlite:////srv/coachprog.db", "sqlite"), ("postgresql+psycopg://u@h/db", "postgresql"),
    ("postgresql://u@h/db", "postgresql"), ("mysql+pymysql://u@h/db", None),
])
def test_database_kind_of_a_url(url, kind) -> None:
    assert domain.database_kind(url) == kind


def test_file_path_refuses_an_unknown_area() -> None:
    assert domain.file_path("recordings", "a/b.wav") == "files/recordings/a/b.wav"
    with pytest.raises(ValueError, match="unknown area"):
        domain.file_path("elsewhere", "x")

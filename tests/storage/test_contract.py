"""The storage interface's contract, run against both backends: local folders (no
COACHPROG_STORAGE_URL) and S3 (moto's server mode, a real HTTP endpoint)."""

from __future__ import annotations

import ast
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from coachprog import storage
from coachprog.extensions import db

DATA = bytes(range(256)) * 40 + b"the end"  # 10,247 bytes, every byte value


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    # The site fixture of the backend configures the app for this test.
    request.getfixturevalue(f"{request.param}_site")
    return str(request.param)


@pytest.fixture
def store(backend: str) -> storage.Storage:
    return storage.store_for("evidence")


class Exploding(io.RawIOBase):
    """A source stream that fails half-way, as a dropped upload does."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.sent >= 3 * storage.CHUNK // 2:
            raise OSError("connection reset by peer")
        size = min(len(buffer), storage.CHUNK // 2)
        buffer[:size] = b"x" * size
        self.sent += size
        return size


def test_store_for_picks_the_backend_from_the_setting(backend: str, store: storage.Storage,
                                                      s3_endpoint: str) -> None:
    expected = storage.LocalStorage if backend == "local" else storage.S3Storage
    assert isinstance(store, expected) and store.area == "evidence"


def test_put_then_read_size_exists_and_delete(store: storage.Storage) -> None:
    assert store.put("a1", io.BytesIO(DATA)) == len(DATA)
    assert store.exists("a1") and store.size("a1") == len(DATA)
    with store.open("a1") as reader:
        assert reader.read() == DATA
    assert store.delete("a1") is True
    assert not store.exists("a1")
    assert store.delete("a1") is False  # gone already: no error, says so


def test_a_second_put_replaces_the_whole_file(store: storage.Storage) -> None:
    store.put("a2", io.BytesIO(DATA))
    store.put("a2", io.BytesIO(b"short"))
    with store.open("a2") as reader:
        assert reader.read() == b"short"
    assert store.size("a2") == 5


@pytest.mark.parametrize(("start", "length"), [(0, 1), (100, 256), (10_000, None),
                                               (len(DATA) - 7, 7), (len(DATA) - 3, 100),
                                               (len(DATA), None), (len(DATA) + 50, 10)])
def test_byte_ranges(store: storage.Storage, start: int, length: int | None) -> None:
    store.put("r", io.BytesIO(DATA))
    end = None if length is None else start + length
    with store.open("r", start, length) as reader:
        assert reader.read() == DATA[start:end]


def test_a_reader_seeks_and_reads_in_pieces(store: storage.Storage) -> None:
    store.put("s", io.BytesIO(DATA))
    with store.open("s") as reader:
        assert reader.seekable()
        assert reader.read(10) == DATA[:10] and reader.tell() == 10
        reader.seek(5000)
        assert reader.read(3) == DATA[5000:5003]
        reader.seek(-7, io.SEEK_END)
        assert reader.read() == b"the end"
        reader.seek(2, io.SEEK_SET)
        assert reader.read(2) == DATA[2:4]
    with store.open("s", 256, 512) as window:  # offsets are relative to the window
        window.seek(256)
        assert window.read() == DATA[512:768]
        assert window.seek(0, io.SEEK_END) == 512


def test_missing_files_raise_file_not_found(store: storage.Storage) -> None:
    assert not store.exists("nothing")
    with pytest.raises(FileNotFoundError):
        store.open("nothing")
    with pytest.raises(FileNotFoundError):
        store.size("nothing")
    with pytest.raises(FileNotFoundError), store.local_path("nothing"):
        pass


def test_bad_ranges_are_refused(store: storage.Storage) -> None:
    store.put("b", io.BytesIO(DATA))
    with pytest.raises(ValueError, match="forward"):
        store.open("b", -1)
    with pytest.raises(ValueError, match="forward"):
        store.open("b", 0, -5)


def test_a_failed_put_leaves_nothing_behind(store: storage.Storage) -> None:
    store.put("keep", io.BytesIO(b"earlier"))
    with pytest.raises(OSError, match="reset"):
        store.put("keep", io.BufferedReader(Exploding()))
    with pytest.raises(OSError, match="reset"):
        store.put("new", io.BufferedReader(Exploding()))
    assert not store.exists("new")
    with store.open("keep") as reader:  # the earlier content is whole, not half-replaced
        assert reader.read() == b"earlier"
    assert [p.name for p in store.staging_dir().iterdir() if p.name.endswith(".part")] == []


def test_put_file_moves_a_checked_local_file_in(store: storage.Storage) -> None:
    staged = store.staging_dir() / f"{storage.TEMP_PREFIX}checked.part"
    staged.write_bytes(DATA)
    assert store.put_file("moved", staged) == len(DATA)
    assert not staged.exists()
    with store.open("moved") as reader:
        assert reader.read() == DATA


def test_put_file_from_another_folder(store: storage.Storage, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "file.bin"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(DATA)
    store.put_file("copied", elsewhere)
    assert not elsewhere.exists() and store.size("copied") == len(DATA)


def test_local_path_gives_a_real_file(backend: str, store: storage.Storage) -> None:
    store.put("lp", io.BytesIO(DATA))
    with store.local_path("lp") as path:
        assert path.read_bytes() == DATA
    # A copy from the object store lasts only as long as the block; a local file is the file.
    assert path.exists() is (backend == "local")
    assert store.exists("lp")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../../b", "x/y/z"])
def test_names_never_leave_the_area(store: storage.Storage, name: str) -> None:
    store.put(name, io.BytesIO(b"inside"))
    final = Path(name).name
    assert store.exists(final)
    with store.open(final) as reader:
        assert reader.read() == b"inside"
    other = storage.store_for("consents")
    assert not other.exists(final)


@pytest.mark.parametrize("name", ["", ".", "..", "a/.."])
def test_names_that_are_no_file_are_refused(store: storage.Storage, name: str) -> None:
    with pytest.raises(ValueError, match="not a storable file name"):
        store.put(name, io.BytesIO(b"x"))


def test_areas_are_separate(store: storage.Storage) -> None:
    consents = storage.store_for("consents")
    store.put("same", io.BytesIO(b"evidence"))
    consents.put("same", io.BytesIO(b"consent"))
    with store.open("same") as a, consents.open("same") as b:
        assert (a.read(), b.read()) == (b"evidence", b"consent")
    store.delete("same")
    assert consents.exists("same")


def test_an_unknown_area_is_refused(store: storage.Storage) -> None:
    with pytest.raises(ValueError, match="unknown storage area"):
        storage.store_for("static")


def test_files_of_a_rolled_back_transaction_are_deleted(store: storage.Storage) -> None:
    store.put("rolled", io.BytesIO(b"x"))
    storage.delete_on_rollback(store, "rolled")
    store.put("kept", io.BytesIO(b"y"))
    db.session.rollback()
    assert not store.exists("rolled")
    storage.delete_on_rollback(store, "kept")
    db.session.commit()
    db.session.rollback()  # a later rollback does not reach what an earlier commit kept
    assert store.exists("kept")


def test_a_rolled_back_savepoint_keeps_the_files_of_the_transaction(
        store: storage.Storage) -> None:
    session: Session = db.session()
    with session.begin_nested():
        store.put("nested", io.BytesIO(b"x"))
        storage.delete_on_rollback(store, "nested")
    savepoint = session.begin_nested()
    savepoint.rollback()
    assert store.exists("nested")
    db.session.rollback()
    assert not store.exists("nested")


# --- answering with a stored file (send_stored) ---------------------------------------------


def _send(app: Flask, store: storage.Storage, name: str, **headers: str) -> Any:
    with app.test_request_context(headers=headers):
        response = storage.send_stored(store, name, mimetype="application/octet-stream",
                                       download_name="Évidence 1.bin")
        response.direct_passthrough = False
        return response, response.get_data()


def test_send_stored_answers_whole_ranges_and_conditionals(app: Flask,
                                                           store: storage.Storage) -> None:
    store.put("sent", io.BytesIO(DATA))
    whole, body = _send(app, store, "sent")
    assert whole.status_code == 200 and body == DATA
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(len(DATA))
    assert "filename*=UTF-8''%C3%89vidence%201.bin" in whole.headers["Content-Disposition"]
    assert whole.headers["Content-Disposition"].startswith("inline")
    part, body = _send(app, store, "sent", Range="bytes=5000-5099")
    assert part.status_code == 206 and body == DATA[5000:5100]
    assert part.headers["Content-Range"] == f"bytes 5000-5099/{len(DATA)}"
    tail, body = _send(app, store, "sent", Range="bytes=-7")
    assert tail.status_code == 206 and body == b"the end"
    etag = whole.headers["ETag"]
    unchanged, _ = _send(app, store, "sent", **{"If-None-Match": etag})
    assert unchanged.status_code == 304  # (a WSGI server sends no body with a 304)
    with pytest.raises(RequestedRangeNotSatisfiable):
        _send(app, store, "sent", Range=f"bytes={len(DATA) + 1}-")


def test_send_stored_of_a_missing_file_raises(app: Flask, store: storage.Storage) -> None:
    with app.test_request_context(), pytest.raises(FileNotFoundError):
        storage.send_stored(store, "gone", mimetype="audio/flac", download_name="x")


# --- S3 specifics -------------------------------------------------------------------------


def test_s3_objects_live_under_the_prefix_and_area(s3_site: Any) -> None:
    evidence = storage.store_for("evidence")
    evidence.put("k1", io.BytesIO(b"x"))
    storage.store_for("recordings").put("k2", io.BytesIO(b"y"))
    assert s3_site.keys() == ["site/evidence/k1", "site/recordings/k2"]
    evidence.delete("k1")
    assert s3_site.keys() == ["site/recordings/k2"]


def test_s3_range_reads_are_ranged_gets_not_whole_objects(s3_site: Any) -> None:
    evidence = storage.store_for("evidence")
    evidence.put("big", io.BytesIO(DATA))
    asked: list[str] = []
    client = storage._s3_client(storage.current_app)
    client.meta.events.register("before-call.s3.GetObject",
                                lambda params, **_: asked.append(params["headers"]["Range"]))
    try:
        with evidence.open("big", 5000, 100) as reader:
            assert reader.read() == DATA[5000:5100]
        with evidence.open("big") as reader:
            reader.seek(10_000)
            assert reader.read(5) == DATA[10_000:10_005]
    finally:
        client.meta.events.unregister("before-call.s3.GetObject")
    assert asked == ["bytes=5000-5099", f"bytes=10000-{len(DATA) - 1}"]


def test_s3_errors_other_than_not_found_are_not_hidden(app: Flask, s3_site: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setitem(app.config, "COACHPROG_STORAGE_URL", "s3://no-such-bucket-here/p")
    with pytest.raises(ClientError):
        storage.store_for("evidence").put("x", io.BytesIO(b"x"))


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    (None, None), ("", None),
    ("s3://bucket", storage.StorageUrl("bucket", "")),
    ("s3://bucket/", storage.StorageUrl("bucket", "")),
    ("s3://bucket/coachprog/prod/", storage.StorageUrl("bucket", "coachprog/prod/")),
])
def test_storage_urls(url: str | None, expected: storage.StorageUrl | None) -> None:
    assert storage.parse_storage_url(url) == expected


@pytest.mark.parametrize("url", ["/srv/files", "file:///srv/files", "s3:///prefix",
                                 "gs://bucket/p", "s3://bucket/p?region=x"])
def test_unusable_storage_urls_are_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(ValueError, match="COACHPROG_STORAGE_URL must look like s3://"):
        storage.parse_storage_url(url)
    bare = Flask("check")
    bare.config["COACHPROG_STORAGE_URL"] = url
    with pytest.raises(ValueError, match="COACHPROG_STORAGE_URL"):
        storage.init_app(bare)


def test_the_storage_module_imports_no_program_or_platform_domain() -> None:
    source = Path(storage.__file__).read_text()
    imported = {node.module for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom) and node.module}
    ours = {name for name in imported if name.startswith("coachprog")}
    assert ours <= {"coachprog.extensions", "coachprog.db", "coachprog.runtime.config",
                    "coachprog.errors"}, ours

"""Where the application's files live, behind one small interface (DESIGN.md: "files behind a
small storage interface so an object store can replace it").

Files are grouped in *areas*: session audio (`recordings`), assessment evidence (`evidence`),
signed consent forms (`consents`), capstone briefs (`capstone`), certificate batches
(`certificates`) and people-import CSVs waiting for their job (`uploads`). Code asks for an
area's store (`store_for("recordings")`) and reads and writes names in it; names are random
tokens chosen by the caller and never steer outside the area.

Two backends, chosen by COACHPROG_STORAGE_URL:
- unset: local folders, exactly as before this module existed: `instance/<area>/`, or the
  folder of the area's own setting (COACHPROG_RECORDINGS_DIR, COACHPROG_EVIDENCE_DIR, ...).
  Fine on one machine; several machines would each see only their own disk.
- `s3://bucket/prefix`: objects `prefix/<area>/<name>` in an S3-compatible object store
  (endpoint COACHPROG_S3_ENDPOINT_URL, credentials from the usual AWS_* environment), so a
  worker on another host reads the audio a web process stored.

Writes are atomic in both: a reader sees the whole file or nothing (a temporary file renamed
into place; an S3 object appears only when its upload completes). Reads take byte ranges
(`open(name, start, length)`, seekable), which the audio player's Range requests need; code
that needs a real file (PyAV, Whisper) asks for `local_path(name)`, a copy for as long as the
`with` block lasts when the file is remote.

A core module: it knows no program domain.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wsgi import wrap_file

from coachprog.extensions import db

CHUNK = 1024 * 1024
TEMP_PREFIX = ".upload-"  # temporary files of writes still in progress (see sweep_staging)

# The areas and the setting that, without an object store, names each one's folder (None:
# always instance/<area>).
AREA_SETTINGS: dict[str, str | None] = {
    "recordings": "COACHPROG_RECORDINGS_DIR",
    "evidence": "COACHPROG_EVIDENCE_DIR",
    "consents": "COACHPROG_CONSENT_DIR",
    "capstone": "COACHPROG_CAPSTONE_DIR",
    "certificates": None,
    "uploads": "COACHPROG_UPLOAD_DIR",
}


class Storage(Protocol):
    """One area's files. Every method takes a plain name (its last path component is used)."""

    area: str

    def put(self, name: str, source: IO[bytes]) -> int:
        """Store what `source` holds under `name` atomically; return the byte count."""

    def put_file(self, name: str, path: Path) -> int:
        """Move the local file `path` in under `name` atomically; return the byte count."""

    def open(self, name: str, start: int = 0, length: int | None = None) -> IO[bytes]:
        """A seekable reader of `length` bytes from `start` (to the end when None);
        FileNotFoundError when there is no such file."""

    def size(self, name: str) -> int:
        """The byte count; FileNotFoundError when there is no such file."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> bool:
        """Delete the file; True when there was one."""

    def local_path(self, name: str) -> AbstractContextManager[Path]:
        """A real file with the content, for libraries that need one (PyAV, Whisper);
        FileNotFoundError when there is no such file."""

    def staging_dir(self) -> Path:
        """A local folder for files being checked before they are stored (`put_file`)."""


def safe_name(name: str) -> str:
    # Only the final component: a name from the database never walks out of the area.
    final = Path(str(name)).name
    if final in ("", ".", ".."):
        raise ValueError(f"not a storable file name: {name!r}")
    return final


class _Window(io.RawIOBase):
    """A seekable read-only view of bytes [start, start+length) of a stored file; the
    backend opens the underlying stream lazily at the current position, so a seek costs
    nothing until the next read (for S3: one ranged GET per seek-then-read)."""

    _stream: Any = None  # also when __init__ raised: close() runs from __del__ regardless

    def __init__(self, size: int, start: int, length: int | None) -> None:
        super().__init__()
        if start < 0 or (length is not None and length < 0):
            raise ValueError("byte ranges start and run forward")
        self._start = min(start, size)
        self._end = size if length is None else min(size, self._start + length)
        self._pos = self._start

    def _open_at(self, offset: int, end: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos - self._start

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: self._start, io.SEEK_CUR: self._pos, io.SEEK_END: self._end}[whence]
        target = max(self._start, base + offset)
        if target != self._pos:
            self._drop_stream()
            self._pos = target
        return self.tell()

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._end - self._pos)
        if wanted <= 0:
            return 0
        if self._stream is None:
            self._stream = self._open_at(self._pos, self._end)
        data = self._stream.read(wanted)
        count = len(data)
        buffer[:count] = data
        self._pos += count
        return count

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def close(self) -> None:
        self._drop_stream()
        super().close()


class _FileWindow(_Window):
    def __init__(self, path: Path, size: int, start: int, length: int | None) -> None:
        self._path = path
        super().__init__(size, start, length)

    def _open_at(self, offset: int, end: int) -> Any:
        handle = self._path.open("rb")
        handle.seek(offset)
        return handle


def _reader(window: _Window) -> IO[bytes]:
    return io.BufferedReader(window, buffer_size=256 * 1024)


def _copy(source: IO[bytes], target: IO[bytes]) -> int:
    size = 0
    while chunk := source.read(CHUNK):
        target.write(chunk)
        size += len(chunk)
    return size


@dataclass
class LocalStorage:
    """Files in a local folder (one per area), written through a temporary file and renamed."""

    area: str
    root: Path

    def _path(self, name: str) -> Path:
        return self.root / safe_name(name)

    def _temp(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"

    def put(self, name: str, source: IO[bytes]) -> int:
        target = self._path(name)
        temp = self._temp()
        try:
            with temp.open("xb") as out:
                size = _copy(source, out)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        return size

    def put_file(self, name: str, path: Path) -> int:
        target = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size
        try:
            os.replace(path, target)  # staged in this folder: an atomic rename
        except OSError:
            temp = self._temp()  # another file system: copy, then rename
            try:
                shutil.copyfile(path, temp)
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        return size

    def open(self, name: str, start: int = 0, length: int | None = None) -> IO[bytes]:
        path = self._path(name)
        return _reader(_FileWindow(path, path.stat().st_size, start, length))

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> bool:
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            return False
        return True

    @contextmanager
    def local_path(self, name: str) -> Iterator[Path]:
        path = self._path(name)
        if not path.is_file():
            raise FileNotFoundError(path)
        yield path

    def staging_dir(self) -> Path:
        # Inside the area's folder: the final rename stays on one file system.
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def __str__(self) -> str:
        return str(self.root)


class _S3Window(_Window):
    def __init__(self, client: Any, bucket: str, key: str, size: int, start: int,
                 length: int | None) -> None:
        self._client, self._bucket, self._key = client, bucket, key
        super().__init__(size, start, length)

    def _open_at(self, offset: int, end: int) -> Any:
        answer = self._client.get_object(Bucket=self._bucket, Key=self._key,
                                          Range=f"bytes={offset}-{end - 1}")
        return answer["Body"]


def _missing(error: Exception) -> bool:
    code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


@dataclass
class S3Storage:
    """Objects `<prefix><area>/<name>` in one bucket of an S3-compatible store."""

    area: str
    client: Any
    bucket: str
    prefix: str
    staging: Path

    def key(self, name: str) -> str:
        return f"{self.prefix}{self.area}/{safe_name(name)}"

    def put(self, name: str, source: IO[bytes]) -> int:
        # Spooled through a local file: the size is known, and a large upload goes in parts.
        with tempfile.TemporaryFile(dir=self.staging_dir()) as spool:
            size = _copy(source, spool)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self.key(name))
        return size

    def put_file(self, name: str, path: Path) -> int:
        size = path.stat().st_size
        self.client.upload_file(str(path), self.bucket, self.key(name))
        path.unlink(missing_ok=True)
        return size

    def _head(self, name: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key(name)))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(f"s3://{self.bucket}/{self.key(name)}") from None
            raise

    def open(self, name: str, start: int = 0, length: int | None = None) -> IO[bytes]:
        size = int(self._head(name)["ContentLength"])
        return _reader(_S3Window(self.client, self.bucket, self.key(name), size, start, length))

    def size(self, name: str) -> int:
        return int(self._head(name)["ContentLength"])

    def exists(self, name: str) -> bool:
        try:
            self._head(name)
        except FileNotFoundError:
            return False
        return True

    def delete(self, name: str) -> bool:
        existed = self.exists(name)
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))
        return existed

    @contextmanager
    def local_path(self, name: str) -> Iterator[Path]:
        self._head(name)
        folder = self.staging_dir()
        path = folder / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"
        try:
            self.client.download_file(self.bucket, self.key(name), str(path))
            yield path
        finally:
            path.unlink(missing_ok=True)

    def staging_dir(self) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}{self.area}/"


# --- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageUrl:
    bucket: str
    prefix: str  # "" or ends with "/"


def parse_storage_url(url: str | None) -> StorageUrl | None:
    """None for local folders; raise ValueError naming the setting for anything unusable."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"COACHPROG_STORAGE_URL must look like s3://bucket/prefix (or be "
                         f"unset for local folders), not {url!r}")
    prefix = parts.path.strip("/")
    return StorageUrl(parts.netloc, f"{prefix}/" if prefix else "")


_CLIENT_LOCK = threading.Lock()
_EXTENSION = "coachprog.storage.s3_client"


def _s3_client(app: Flask) -> Any:
    """One boto3 client per app (clients are thread-safe; creating them is not)."""
    client = app.extensions.get(_EXTENSION)
    if client is None:
        with _CLIENT_LOCK:
            client = app.extensions.get(_EXTENSION)
            if client is None:
                import boto3
                from botocore.config import Config

                endpoint = app.config.get("COACHPROG_S3_ENDPOINT_URL") or None
                client = boto3.session.Session().client(
                    "s3", endpoint_url=endpoint,
                    region_name=os.environ.get("AWS_DEFAULT_REGION")
                    or os.environ.get("AWS_REGION") or "us-east-1",
                    # Path-style addressing: what S3-compatible servers (MinIO, Ceph, moto)
                    # answer without wildcard DNS for every bucket.
                    config=Config(s3={"addressing_style": "path"} if endpoint else {},
                                  retries={"max_attempts": 5, "mode": "standard"}))
                app.extensions[_EXTENSION] = client
    return client


def init_app(app: Flask) -> None:
    """Refuse to start with an unusable COACHPROG_STORAGE_URL (the message names it)."""
    parse_storage_url(app.config.get("COACHPROG_STORAGE_URL"))


def store_for(area: str) -> Storage:
    """The current app's store for an area (settings are read on each call: cheap)."""
    if area not in AREA_SETTINGS:
        raise ValueError(f"unknown storage area {area!r}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = parse_storage_url(app.config.get("COACHPROG_STORAGE_URL"))
    instance = Path(app.instance_path)
    if url is None:
        setting = AREA_SETTINGS[area]
        configured = app.config.get(setting) if setting else None
        return LocalStorage(area, Path(configured) if configured else instance / area)
    return S3Storage(area, _s3_client(app), url.bucket, url.prefix,
                     staging=instance / "staging" / area)


# --- files written by a transaction that rolls back -------------------------------------------

_WRITTEN_KEY = "coachprog.storage_written"


def delete_on_rollback(store: Storage, name: str) -> None:
    """A file stored for the current transaction: deleted if it rolls back, so no file is
    left in storage without the row that would point at it."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still reaches this file
    session.info.setdefault(_WRITTEN_KEY, []).append((store, name))


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WRITTEN_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _delete_written(session: Session, previous_transaction: Any) -> None:
    # Only when the outermost transaction rolls back: a rolled-back savepoint inside a request
    # that later commits is the caller's business.
    if previous_transaction.parent is not None:
        return
    for store, name in session.info.pop(_WRITTEN_KEY, []):
        store.delete(name)


# --- answering with a stored file ---------------------------------------------------------------


def send_stored(store: Storage, name: str, *, mimetype: str, download_name: str,
                as_attachment: bool = False, etag: str | None = None) -> Response:
    """Answer with a stored file as `send_file` would (conditional, with Range: 206 from a
    ranged read of the store, never the whole object), not cached. FileNotFoundError when the
    file is gone; werkzeug's RequestedRangeNotSatisfiable for a range past the end."""
    reader = store.open(name)
    size = reader.seek(0, io.SEEK_END)  # no second request: the reader knows its length
    reader.seek(0)
    response = Response(wrap_file(request.environ, reader), mimetype=mimetype,
                        direct_passthrough=True)
    response.content_length = size
    response.headers.set("Content-Disposition", "attachment" if as_attachment else "inline",
                         **_filename_parameters(download_name))
    response.cache_control.no_cache = True
    response.cache_control.max_age = 0
    # Stored names are random and never rewritten: name and size identify the content.
    response.set_etag(etag or f"{store.area}-{safe_name(name)}-{size}")
    try:
        # In place: 206 with a ranged read of the reader, 304, or 416 raised.
        response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    except Exception:
        reader.close()
        raise
    return response


def _filename_parameters(download_name: str) -> dict[str, str]:
    import unicodedata
    from urllib.parse import quote

    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore")
        return {"filename": simple.decode("ascii"),
                "filename*": "UTF-8''" + quote(download_name, safe="!#$&+-.^_`|~")}
    return {"filename": download_name}

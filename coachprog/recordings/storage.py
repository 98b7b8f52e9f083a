"""Where recording files live: instance/recordings/ (COACHPROG_RECORDINGS_DIR), random names,
never under static/. An upload is streamed to a temporary file inside that folder, decoded
(probe) and only then renamed, atomically, to its random name; any failure deletes the
temporary file, so nothing half-stored remains.

Files written in a transaction are deleted again if that transaction rolls back (the row that
names them never existed), so the folder and the database never disagree.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from coachprog.extensions import db

DEFAULT_MAX_RECORDING_MB = 500
DEFAULT_MAX_RECORDING_HOURS = 3.0
CHUNK = 1024 * 1024
TEMP_PREFIX = ".upload-"
_WRITTEN_KEY = "coachprog.recording_files_written"

# PyAV's container names → what the browser's audio element is told it gets.
_MIMETYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "matroska,webm": "audio/webm",
    "webm": "audio/webm",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
    "aac": "audio/aac",
}


class InvalidUpload(Exception):  # noqa: N818
    """The upload is not audio this server keeps; the message says why, for the uploader."""


@dataclass(frozen=True)
class StoredAudio:
    storage_name: str
    size_bytes: int
    duration_seconds: float
    container: str
    codec: str
    channels: int
    sample_rate: int


def recordings_dir() -> Path:
    configured = current_app.config.get("COACHPROG_RECORDINGS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "recordings"


def max_bytes() -> int:
    megabytes = float(current_app.config.get("COACHPROG_MAX_RECORDING_MB",
                                             DEFAULT_MAX_RECORDING_MB))
    return int(megabytes * 1024 * 1024)


def max_seconds() -> float:
    hours = float(current_app.config.get("COACHPROG_MAX_RECORDING_HOURS",
                                         DEFAULT_MAX_RECORDING_HOURS))
    return hours * 3600


def audio_path(storage_name: str) -> Path:
    # Only the final component: a name from the database never walks out of the folder.
    return recordings_dir() / Path(storage_name).name


def mimetype_for(container: str) -> str:
    return _MIMETYPES.get(container, "application/octet-stream")


def _size_words(limit: int) -> str:
    megabytes = limit / 1024 / 1024
    return f"{megabytes:.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"


def store_upload(stream: IO[bytes]) -> StoredAudio:
    """Copy the upload into the recordings folder under a random name once it decodes as audio
    within the limits; raise InvalidUpload (and leave nothing behind) otherwise."""
    from coachprog.recordings.audio import InvalidAudio, probe

    folder = recordings_dir()
    folder.mkdir(parents=True, exist_ok=True)
    limit = max_bytes()
    temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"
    try:
        size = 0
        with temp.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidUpload(f"The file is larger than the {_size_words(limit)} "
                                        "a recording may be.")
                out.write(chunk)
        if size == 0:
            raise InvalidUpload("The file is empty (0 bytes). Choose the recording again.")
        try:
            info = probe(temp, max_bytes=limit, max_seconds=max_seconds())
        except InvalidAudio as error:
            raise InvalidUpload(str(error)) from error
        storage_name = secrets.token_hex(16)
        os.replace(temp, folder / storage_name)
    finally:
        temp.unlink(missing_ok=True)
    _remember_written(storage_name)
    return StoredAudio(
        storage_name=storage_name, size_bytes=size,
        duration_seconds=float(info.duration_seconds), container=str(info.container),
        codec=str(info.codec), channels=int(info.channels), sample_rate=int(info.sample_rate))


def delete_file(storage_name: str | None) -> None:
    if storage_name:
        audio_path(storage_name).unlink(missing_ok=True)
        plain_copy_path(storage_name).unlink(missing_ok=True)


PLAIN_DIR = "plain"


def plain_copy_path(storage_name: str) -> Path:
    """Where the tag-free copy of a recording for blind listeners lives: instance/recordings/
    plain/<the original's random name>.wav. The name gives nothing away (it is the random
    storage name) and ties the copy to its original, so whatever deletes the audio deletes
    the copy too (`delete_file`, `purge.delete_audio`)."""
    return recordings_dir() / PLAIN_DIR / f"{Path(storage_name).name}.wav"


def plain_copy(storage_name: str) -> Path:
    """The tag-free WAV of a recording, made on first use and kept: re-encoding on every
    request would decode the whole recording for each Range request a seeking player sends.
    Written to a temporary name and renamed atomically; if the original is deleted meanwhile
    (a withdrawal), the copy is deleted too and FileNotFoundError says so."""
    from coachprog.recordings.audio import write_plain_wav

    target = plain_copy_path(storage_name)
    if target.is_file():
        return target
    source = audio_path(storage_name)
    if not source.is_file():
        raise FileNotFoundError(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"
    try:
        write_plain_wav(source, temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    if not source.is_file():
        target.unlink(missing_ok=True)
        raise FileNotFoundError(source)
    return target


def _remember_written(storage_name: str) -> None:
    delete_on_rollback(audio_path(storage_name))


def delete_on_rollback(path: Path) -> None:
    """A file written for the current transaction: deleted if it rolls back, so no file is
    left on disk without the row that would point at it."""
    db.session().info.setdefault(_WRITTEN_KEY, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WRITTEN_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _delete_written(session: Session, previous_transaction: Any) -> None:
    # Only when the outermost transaction rolls back: a rolled-back savepoint inside a request
    # that later commits is the caller's business, and no service here uses one.
    if previous_transaction.parent is not None:
        return
    for path in session.info.pop(_WRITTEN_KEY, []):
        Path(path).unlink(missing_ok=True)

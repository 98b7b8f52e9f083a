"""Where recording files live: the `recordings` area of the file store (coachprog.storage:
instance/recordings/ or COACHPROG_RECORDINGS_DIR, or the object store), random names, never
under static/. An upload is streamed to a temporary file in the store's staging folder,
decoded (probe) and only then moved, atomically, into the store under its random name; any
failure deletes the temporary file, so nothing half-stored remains.

Files written in a transaction are deleted again if that transaction rolls back (the row that
names them never existed), so the store and the database never disagree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import IO

from flask import current_app

from coachprog import storage as files
from coachprog.recordings.transcription.audio import InvalidAudio, probe, write_plain_wav

DEFAULT_MAX_RECORDING_MB = 500
DEFAULT_MAX_RECORDING_HOURS = 3.0
CHUNK = 1024 * 1024
TEMP_PREFIX = files.TEMP_PREFIX
AREA = "recordings"

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


def store() -> files.Storage:
    return files.store_for(AREA)


def max_bytes() -> int:
    megabytes = float(current_app.config.get("COACHPROG_MAX_RECORDING_MB",
                                             DEFAULT_MAX_RECORDING_MB))
    return int(megabytes * 1024 * 1024)


def max_seconds() -> float:
    hours = float(current_app.config.get("COACHPROG_MAX_RECORDING_HOURS",
                                         DEFAULT_MAX_RECORDING_HOURS))
    return hours * 3600


def mimetype_for(container: str) -> str:
    return _MIMETYPES.get(container, "application/octet-stream")


def _size_words(limit: int) -> str:
    megabytes = limit / 1024 / 1024
    return f"{megabytes:.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"


def store_upload(stream: IO[bytes]) -> StoredAudio:
    """Copy the upload into the recordings folder under a random name once it decodes as audio
    within the limits; raise InvalidUpload (and leave nothing behind) otherwise."""
    audio = store()
    limit = max_bytes()
    temp = audio.staging_dir() / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"
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
        audio.put_file(storage_name, temp)
    finally:
        temp.unlink(missing_ok=True)
    files.delete_on_rollback(audio, storage_name)
    return StoredAudio(
        storage_name=storage_name, size_bytes=size,
        duration_seconds=float(info.duration_seconds), container=str(info.container),
        codec=str(info.codec), channels=int(info.channels), sample_rate=int(info.sample_rate))


def delete_file(storage_name: str | None) -> None:
    if storage_name:
        audio = store()
        audio.delete(storage_name)
        # The tag-free copy served to blind listeners goes with the original.
        audio.delete(plain_copy_name(storage_name))


def plain_copy_name(storage_name: str) -> str:
    """The store's name for the tag-free copy of a recording for blind listeners:
    `plain-<the original's random name>.wav`. It gives nothing away (the random storage name)
    and ties the copy to its original, so whatever deletes the audio deletes the copy too
    (`delete_file`, `purge.delete_audio`)."""
    return f"plain-{files.safe_name(storage_name)}.wav"


def plain_copy(storage_name: str) -> str:
    """The store name of the tag-free WAV of a recording, made on first use and kept:
    re-encoding on every request would decode the whole recording for each Range request a
    seeking player sends. Written through the store (atomically); if the original is deleted
    meanwhile (a withdrawal), the copy is deleted too and FileNotFoundError says so."""
    audio = store()
    name = plain_copy_name(storage_name)
    if audio.exists(name):
        return name
    if not audio.exists(storage_name):
        raise FileNotFoundError(storage_name)
    temp = audio.staging_dir() / f"{TEMP_PREFIX}{secrets.token_hex(16)}.part"
    try:
        with audio.local_path(storage_name) as source:
            write_plain_wav(source, temp)
        audio.put_file(name, temp)
    finally:
        temp.unlink(missing_ok=True)
    if not audio.exists(storage_name):
        audio.delete(name)
        raise FileNotFoundError(storage_name)
    return name

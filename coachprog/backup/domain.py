"""Backups of a whole installation: the manifest that describes one, and the checks a restore
makes before it writes anything.

Policy: a backup is a folder holding one database snapshot and a copy of every file the
installation keeps (recordings, consents, evidence, capstone briefs, certificate batches,
uploads and the rest of the instance folder), each listed in `manifest.json` with its size
and SHA-256. A restore trusts nothing it has not checked: every listed file must be present
with its recorded size and checksum, every path must stay inside its area, the database kind
must match the target's, and the backup's schema must be one this code knows (an older one is
migrated up to head after the restore; a newer one is refused).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import IO, Any

FORMAT = "coachprog-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
FILES_FOLDER = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
DATABASE_KINDS = tuple(DATABASE_FILES)

# Where each kind of file lives; the installation's configuration says where each is on disk.
# "instance" is everything else in the instance folder (secret_key, demo password, …).
AREAS = ("recordings", "consents", "evidence", "capstone", "certificates", "uploads", "instance")

# Half-written files (an upload being decoded, a batch being zipped) are renamed into place
# when complete, so a copy of one would be garbage: they are left out.
TRANSIENT_SUFFIXES = (".part", ".partial", ".tmp")
TRANSIENT_PREFIXES = (".upload-", ".restore-")

CHUNK = 1024 * 1024


class ManifestInvalid(ValueError):  # noqa: N818 - reads as the refusal it is
    """The manifest cannot be read or does not describe a backup; `problems` says why."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class FileEntry:
    """One file of the backup: `path` is relative to the backup folder (POSIX separators)."""

    path: str
    size: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}

    @property
    def area(self) -> str | None:
        """The area of a file under files/<area>/…; None for the database snapshot."""
        parts = PurePosixPath(self.path).parts
        return parts[1] if len(parts) > 2 and parts[0] == FILES_FOLDER else None

    @property
    def relative(self) -> str:
        """Path inside its area (files/<area>/a/b → a/b)."""
        return str(PurePosixPath(*PurePosixPath(self.path).parts[2:]))


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    database_kind: str
    schema_revision: str | None  # the database's alembic revision when it was copied
    schema_head: str  # the code's migration head when the backup was made
    database: FileEntry
    files: tuple[FileEntry, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)  # vanished while copying

    @property
    def entries(self) -> tuple[FileEntry, ...]:
        return (self.database, *self.files)

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.entries)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at.isoformat(),
            "database_kind": self.database_kind,
            "schema_revision": self.schema_revision,
            "schema_head": self.schema_head,
            "database": self.database.as_dict(),
            "files": [entry.as_dict() for entry in self.files],
            "skipped": list(self.skipped),
        }, indent=2, sort_keys=True) + "\n"


def file_path(area: str, relative: str) -> str:
    """The backup-relative path of a file of `area`."""
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}")
    return str(PurePosixPath(FILES_FOLDER, area, relative))


def is_transient(name: str) -> bool:
    return name.endswith(TRANSIENT_SUFFIXES) or name.startswith(TRANSIENT_PREFIXES)


def is_safe_relative(path: str) -> bool:
    """A manifest path may name nothing outside the backup or its area: no absolute path,
    no `..`, no empty or dot parts (a crafted manifest must not write elsewhere)."""
    if not path or "\\" in path or "\x00" in path:
        return False
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def hash_stream(stream: IO[bytes], sink: Callable[[bytes], Any] | None = None) -> tuple[int, str]:
    """Size and SHA-256 of a stream, read in chunks; each chunk also goes to `sink` if given
    (so a copy and its checksum come from the same bytes)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink(chunk)
    return size, digest.hexdigest()


def _entry(raw: Any, where: str, problems: list[str]) -> FileEntry | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} is not an object")
        return None
    path, size, sha = raw.get("path"), raw.get("size"), raw.get("sha256")
    if not isinstance(path, str) or not is_safe_relative(path):
        problems.append(f"{where} has an unsafe or missing path {path!r}")
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        problems.append(f"{path}: the size is missing or not a whole number")
        return None
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        problems.append(f"{path}: the SHA-256 is missing or malformed")
        return None
    return FileEntry(path, size, sha)


def parse_manifest(text: str) -> Manifest:
    """The manifest in `text`, or ManifestInvalid listing every problem found."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ManifestInvalid([f"manifest.json is not valid JSON ({error})"]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestInvalid(["manifest.json does not describe a coachprog backup"])
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ManifestInvalid([f"backup format version {version!r} is not supported "
                               f"(this code reads version {FORMAT_VERSION})"])
    problems: list[str] = []
    try:
        created_at = datetime.fromisoformat(str(data.get("created_at")))
        if created_at.tzinfo is None:
            problems.append("created_at has no time zone")
    except ValueError:
        problems.append(f"created_at {data.get('created_at')!r} is not a date and time")
        created_at = datetime.min.replace(tzinfo=UTC)
    kind = data.get("database_kind")
    if kind not in DATABASE_KINDS:
        problems.append(f"database kind {kind!r} is not one of {', '.join(DATABASE_KINDS)}")
    revision = data.get("schema_revision")
    head = data.get("schema_head")
    if revision is not None and not isinstance(revision, str):
        problems.append("schema_revision is not text")
    if not isinstance(head, str) or not head:
        problems.append("schema_head is missing")
    database = _entry(data.get("database"), "database", problems)
    if database is not None and kind in DATABASE_FILES and database.path != DATABASE_FILES[kind]:
        problems.append(f"the {kind} snapshot should be {DATABASE_FILES[kind]}, "
                        f"not {database.path}")
    raw_files = data.get("files")
    files: list[FileEntry] = []
    if not isinstance(raw_files, list):
        problems.append("files is not a list")
        raw_files = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_files):
        entry = _entry(raw, f"files[{index}]", problems)
        if entry is None:
            continue
        if entry.area not in AREAS:
            problems.append(f"{entry.path}: not under files/<area>/ with a known area")
        elif entry.path in seen:
            problems.append(f"{entry.path}: listed twice")
        seen.add(entry.path)
        files.append(entry)
    skipped = data.get("skipped", [])
    if not isinstance(skipped, list) or not all(isinstance(s, str) for s in skipped):
        problems.append("skipped is not a list of paths")
        skipped = []
    if problems or database is None:
        raise ManifestInvalid(problems or ["the database snapshot is not listed"])
    return Manifest(created_at=created_at, database_kind=str(kind),
                    schema_revision=revision, schema_head=str(head), database=database,
                    files=tuple(files), skipped=tuple(skipped))


def verify_entries(
    entries: Iterable[FileEntry], measure: Callable[[str], tuple[int, str] | None]
) -> list[str]:
    """Every difference between the manifest and the backup folder, one sentence per file.

    `measure(path)` gives the size and SHA-256 of the file at a backup-relative path, or None
    when there is no such regular file.
    """
    problems: list[str] = []
    for entry in entries:
        found = measure(entry.path)
        if found is None:
            problems.append(f"{entry.path} is missing from the backup")
            continue
        size, sha = found
        if size != entry.size:
            problems.append(f"{entry.path} has {size} bytes; the manifest says {entry.size}")
        elif sha != entry.sha256:
            problems.append(f"{entry.path} does not match its SHA-256 checksum "
                            "(the file was changed or damaged)")
    return problems


@dataclass(frozen=True)
class SchemaPlan:
    """What a restore must do about the schema: refuse (with `refusal`), or restore and then
    upgrade when `upgrade` is set."""

    refusal: str | None = None
    upgrade: bool = False


def plan_schema(backup_revision: str | None, known_revisions: Sequence[str],
                head: str) -> SchemaPlan:
    """Compare the backup's revision with this code's migration history (base → head)."""
    if backup_revision is None:
        return SchemaPlan(refusal="the backup's database has no schema revision "
                                  "(it was never migrated), so it cannot be restored")
    if backup_revision not in known_revisions:
        return SchemaPlan(refusal=f"the backup's schema revision {backup_revision} is newer "
                                  f"than (or unknown to) this code, whose head is {head}: "
                                  "restore it with the release that made it")
    return SchemaPlan(upgrade=backup_revision != head)


def database_kind(url: str) -> str | None:
    """The database kind of an SQLAlchemy URL, or None for one we cannot back up."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    return None

"""Pure rules of consent: what a coachee may consent to (the scopes), and what a signed form
may be (told by its first bytes, never by its name or Content-Type). Standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

SCOPES: dict[str, str] = {
    "record": "record the coaching sessions (audio)",
    "transcribe": "transcribe the recordings to text",
    "supervisor_review": "let the coach's supervisors listen to and read them",
    "audit": "let auditors of the coaching programme listen to and read them",
    "analytics": "use them, anonymised, in programme statistics",
}
METHODS = ("in_app", "signed_form")

# What a signed form may be, told by its first bytes (never by its name or Content-Type).
FORM_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)
FORM_MIMETYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def scope_problems(scopes: Collection[str]) -> list[str]:
    """Why this combination of scopes cannot be consented to (empty when it can)."""
    problems = []
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        problems.append("Unknown scope: " + ", ".join(unknown) + ".")
    if not set(scopes) & SCOPES.keys():
        problems.append("Tick at least one thing the coachee consents to.")
    if "transcribe" in scopes and "record" not in scopes:
        problems.append("Transcription needs consent to record: a transcript is made from a "
                        "recording. Tick “record” too, or untick “transcribe”.")
    return problems


def form_kind(head: bytes) -> str | None:
    """"pdf", "png" or "jpg" from a file's first bytes; None for anything else."""
    for signature, kind in FORM_SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scopes_of(consent: Any) -> set[str]:
    """The scopes a consent covers, by name (the keys of SCOPES)."""
    return {name for name in SCOPES if getattr(consent, f"scope_{name}")}


def describe_scopes(scopes: Collection[str]) -> list[str]:
    return [SCOPES[name] for name in SCOPES if name in scopes]

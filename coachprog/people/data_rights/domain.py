"""A person's data rights: the pure rules of export and erasure.

Policy (issue 24):
- an erasure is asked for by one admin with a reason and carried out only when a *different*
  admin approves it (two people); the operator's `people erase` command is the shell's own
  authority and needs no second person;
- an erased person's name, e-mail and employee id become a pseudonym ("Erased person 3f9a1c",
  erased-3f9a1c@erased.invalid, ERASED-3f9a1c) everywhere, so counts and links stay;
- a later HRIS import of the same employee id is refused in words, recognised by a salted
  hash of the id (the tombstone), never by the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

PSEUDONYM_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real mailbox


class RequestStatus(StrEnum):
    PENDING = "pending"
    ERASED = "erased"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PseudonymParts:
    name: str
    email: str
    employee_id: str


def pseudonym_for(token: str) -> PseudonymParts:
    """The stand-in identifiers of an erased person from a random hex token."""
    token = token.lower()
    return PseudonymParts(f"Erased person {token}", f"erased-{token}@{PSEUDONYM_DOMAIN}",
                          f"ERASED-{token}")


def normalise_employee_id(employee_id: str) -> str:
    """Ids compare as the HRIS writes them, ignoring surrounding space and case."""
    return employee_id.strip().casefold()


def tombstone_digest(salt: bytes, employee_id: str) -> str:
    """HMAC-SHA-256 of the normalised employee id under the tombstone's own random salt: the
    id itself is not kept, yet a later import of it is recognised."""
    return hmac.new(salt, normalise_employee_id(employee_id).encode(), hashlib.sha256).hexdigest()


def matches_tombstone(salt: bytes, digest: str, employee_id: str) -> bool:
    return hmac.compare_digest(tombstone_digest(salt, employee_id), digest)


def erased_refusal(erased_on: str) -> str:
    """Why an import row is refused: in words, with what to do about it."""
    return (f"this employee id belongs to a person erased on {erased_on} at their request; "
            "they are not recreated. Remove the row from the HRIS export (or, if this is a "
            "new person who was given the same id, give them a new one).")


def approval_problem(*, status: str, requested_by_id: int | None,
                     approver_id: int | None) -> str | None:
    """Why this admin may not approve this erasure request now; None when they may."""
    if status != RequestStatus.PENDING:
        return f"This request is already {status}; there is nothing to approve."
    if approver_id is not None and approver_id == requested_by_id:
        return ("You asked for this erasure; a second admin must approve it "
                "(two people decide an erasure).")
    return None


def cancel_problem(*, status: str) -> str | None:
    if status != RequestStatus.PENDING:
        return f"This request is already {status}; it cannot be cancelled."
    return None


def reason_problem(reason: str) -> str | None:
    text = reason.strip()
    if len(text) < 10:
        return "Give the reason for the erasure (at least 10 characters): it is kept."
    if len(text) > 1000:
        return "Keep the reason under 1,000 characters."
    return None

"""Who may see and change practicum ledgers.

Policy:
- A trainee sees and logs only their own ledger, and corrects their own queried or pending
  entries; nobody logs for them.
- Their supervisors (`coaching.SupervisorAssignment`, holding lead or master coach) see the
  ledger and verify or query its entries — never their own.
- L&D admins see every ledger and enrol appointed coaches.
- Sponsors and line managers never see entries, whatever other role they hold for others
  (a sponsor role switches ledger access off). Anyone in the trainee's management chain is
  refused every ledger predicate, even as an assigned supervisor or an admin (the chain bar,
  `people.services.in_management_chain`).
Predicates that take a trainee take their person id; entry predicates take a `LedgerEntry`.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.people.services import user_in_chain_of
from coachprog.practicum.ledger import domain
from coachprog.practicum.permissions import is_person, supervises
from coachprog.roles import Role


def _excluded(user: Any) -> bool:
    return not is_signed_in(user) or has_any_role(user, Role.SPONSOR)


def _barred(user: Any, person_id: Any) -> bool:
    """Signed out, a sponsor, no trainee, or in the trainee's management chain."""
    return (_excluded(user) or not isinstance(person_id, int)
            or user_in_chain_of(user, person_id))


@permission
def can_enrol_practicum_trainee(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN) and not _excluded(user)


@permission
def can_list_practicum_trainees(user: Any, obj: Any = None) -> bool:
    """The list of ledgers one may open: admins all, supervisors their trainees."""
    return not _excluded(user) and has_any_role(user, Role.ADMIN, Role.LEAD_COACH,
                                                Role.MASTER_COACH)


@permission
def can_view_every_practicum_ledger(user: Any, obj: Any = None) -> bool:
    """L&D admins: lists start from every enrolment instead of the supervised ones."""
    return not _excluded(user) and has_any_role(user, Role.ADMIN)


@permission
def can_view_practicum_ledger(user: Any, person_id: Any = None) -> bool:
    if _barred(user, person_id):
        return False
    return (is_person(user, person_id) or can_view_every_practicum_ledger(user)
            or supervises(user, person_id))


@permission
def can_log_practicum_entry(user: Any, person_id: Any = None) -> bool:
    return not _excluded(user) and is_person(user, person_id)


@permission
def can_verify_practicum_entry(user: Any, entry: Any = None) -> bool:
    if entry is None or is_person(user, entry.person_id) or _barred(user, entry.person_id):
        return False
    return supervises(user, entry.person_id)


@permission
def can_correct_practicum_entry(user: Any, entry: Any = None) -> bool:
    """Verified hours are settled; a pending or queried entry its trainee may correct."""
    return (entry is not None and not _excluded(user) and is_person(user, entry.person_id)
            and entry.status in (domain.PENDING, domain.QUERIED))

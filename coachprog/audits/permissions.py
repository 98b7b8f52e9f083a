"""Who may see and act on supervision structure and audits.

Policy:
- L&D admins draw samples, assign auditors, record supervision events and resolve serious
  concerns; they see coaches by name.
- Program staff (admins, master and lead coaches) see the supervision structure.
- An auditor (a master coach or rater) sees only the audits assigned to them, with the coach
  pseudonymised; only the assigned auditor scores and decides an audit. Recorded content:
  only the one session chosen for an open audit, on the audit page, names redacted; never
  through the recordings pages, never after the decision.
- Corrective actions are added and closed by admins or the audit's auditor.
- Coverage: admins and master coaches see it per group; sponsors see aggregates only, with
  groups under five coaches suppressed. Coaches, lead coaches and managers see none of it.
"""

from __future__ import annotations

from typing import Any

from coachprog.audits.recording_access import is_audit_recording
from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import PROGRAM_STAFF, Role


def _is_auditor_of(user: Any, audit: Any) -> bool:
    return (audit is not None and is_signed_in(user)
            and audit.auditor_user_id is not None and audit.auditor_user_id == user.id)


@permission
def can_manage_audits(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_view_audit_structure(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *PROGRAM_STAFF)


@permission
def can_view_audits(user: Any, obj: Any = None) -> bool:
    """The audits area: admins, and the people who may be assigned as auditors."""
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH, Role.RATER)


@permission
def can_view_audit(user: Any, audit: Any = None) -> bool:
    if audit is None:
        return False
    return has_any_role(user, Role.ADMIN) or _is_auditor_of(user, audit)


@permission
def can_conduct_audit(user: Any, audit: Any = None) -> bool:
    """Only the assigned auditor scores and decides (admins included: never for someone)."""
    return _is_auditor_of(user, audit)


@permission
def can_open_audit_recording(user: Any, pair: Any = None) -> bool:
    """Hear and read a recording for an audit `(audit, recording)`: only the assigned
    auditor, only the session chosen for the open audit, only under a consent covering audit;
    shown on the audit page, blind. Auditors get no access through the recordings pages
    (those name the coach), and none once the audit is decided."""
    if not isinstance(pair, tuple) or len(pair) != 2:
        return False
    audit, recording = pair
    return audit is not None and is_audit_recording(user, audit, recording)


@permission
def can_manage_corrective_actions(user: Any, audit: Any = None) -> bool:
    if audit is None:
        return False
    return has_any_role(user, Role.ADMIN) or _is_auditor_of(user, audit)


@permission
def can_view_audit_coverage(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH, Role.SPONSOR)


@permission
def can_view_audit_coverage_detail(user: Any, obj: Any = None) -> bool:
    """Per-group figures without suppression (sponsors get aggregates only)."""
    return has_any_role(user, Role.ADMIN, Role.MASTER_COACH)

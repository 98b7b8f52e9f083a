"""Who may have certificates.

Policy (issue 8): the coach downloads their own certificates, admins and master coaches
anyone's; cohort batches are program staff's work, and a batch's zip goes only to the one who
started it or an admin.
"""

from __future__ import annotations

from typing import Any

from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.certification.domain import CertStatus
from coachprog.roles import Role


@permission
def can_download_certificate(user: Any, cert: Any = None) -> bool:
    """The coach their own, except a revoked one (a fresh copy of a withdrawn credential
    serves no one); admins and master coaches anyone's (they issue them and keep records)."""
    if not is_signed_in(user) or cert is None:
        return False
    if has_any_role(user, Role.ADMIN, Role.MASTER_COACH):
        return True
    return (user.person_id is not None and user.person_id == cert.person_id
            and cert.status != CertStatus.REVOKED.value)


@permission
def can_run_certificate_batch(user: Any, obj: Any = None) -> bool:
    """Cohort batches are program staff's work (graduation packs)."""
    return is_signed_in(user) and has_any_role(user, Role.ADMIN, Role.MASTER_COACH)


@permission
def can_download_certificate_batch(user: Any, job: Any = None) -> bool:
    """The zip holds many coaches' certificates: staff who may run batches, and of those only
    the one who started it or an admin."""
    if not can_run_certificate_batch(user) or job is None:
        return False
    return job.created_by_id == user.id or has_any_role(user, Role.ADMIN)

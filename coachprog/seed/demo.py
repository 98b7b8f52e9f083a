"""The demo organisation: a few hundred people in departments under a manager hierarchy, one
account per role, and assessment work to try at once: closed calibration exercises that
calibrate rater@ and lead@ for every rubric the demo uses (session review, interview, both
simulations, capstone brief), live session reviews that are open, closed and in moderation,
and a selection sprint with candidates at several stages. The domains' own seed modules add
the rest of the story (README: "The demo tells one story"). Deterministic, and idempotent: a
second run changes nothing.

Everything goes through the services (audit entries, blind, conflict and calibration rules
apply as on the pages); marks are given as the demo user whose marks they are."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import current_app

from coachprog.auth import services as auth_services
from coachprog.governance import services as audit
from coachprog.people.domain import PersonRecord, records_from_rows
from coachprog.people.services import get_person_by_employee_id, import_people
from coachprog.seed import audits as audits_seed
from coachprog.seed import certification as certification_seed
from coachprog.seed import coaching as coaching_seed
from coachprog.seed import practicum as practicum_seed
from coachprog.seed import program as program_seed
from coachprog.seed import safeguarding as safeguarding_seed
from coachprog.seed import scoring as seed_scoring
from coachprog.seed.assessments import seed_demo_assessments
from coachprog.seed.people import DEMO_ACCOUNTS, demo_people
from coachprog.seed.sprint import seed_demo_sprint


def demo_password() -> str:
    """COACHPROG_DEMO_PASSWORD, or one generated on the first run and kept in instance/."""
    from_env = os.environ.get("COACHPROG_DEMO_PASSWORD")
    if from_env:
        return from_env
    path = current_app.instance_path + "/demo_password"
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read().strip()
    password = "demo-" + secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def seed_demo(actor: Any, *, people: int = 320) -> str:
    rows = demo_people(max(people, 40))
    plan = records_from_rows((index + 2, row) for index, row in enumerate(rows))
    if plan.errors:  # pragma: no cover - the generator is under test
        raise RuntimeError(f"demo data is invalid: {plan.errors[:3]}")
    import_people(actor, plan, source="seed", record_noop=False)
    password = demo_password()
    # Remember which demo password was applied last (a digest, not the password).
    fingerprint_file = Path(current_app.instance_path) / "demo_password_applied"
    fingerprint = hashlib.sha256(password.encode()).hexdigest()
    password_changed = (
        not fingerprint_file.exists() or fingerprint_file.read_text().strip() != fingerprint
    )
    for email, role, employee_id in DEMO_ACCOUNTS:
        user = auth_services.get_user_by_email(email)
        person_id = get_person_by_employee_id(actor, employee_id).id if employee_id else None
        if user is None:
            display = _display_name(plan.records, employee_id) or "Morgan Ellis (external)"
            auth_services.create_user(
                actor,
                email=email,
                display_name=display,
                password=password,
                roles=(role,),
                person_id=person_id,
                check_password=False,
            )
        elif password_changed and not _password_matches(user.password_hash, password):
            # COACHPROG_DEMO_PASSWORD changed since the last run: follow it, but never undo a
            # password a demo user chose for themselves while the demo password stayed the same.
            user.password_hash = auth_services.hash_password(password)
            user.session_token = secrets.token_hex(16)
            audit.record("auth.password_reset", actor=actor, object_type="user",
                         object_id=user.id, detail={"reason": "demo password changed"})
    seed_demo_assessments(actor)
    seed_demo_sprint(actor)
    # Each later domain seeds its own demo data (each idempotent), in dependency order.
    # Coaching last: it appoints coach@ (after the audit cohort and the certified coaches are
    # chosen, so coach@ stays a trainee) and completes the matched and certified coaches'
    # paperwork.
    for domain_seed in (practicum_seed, audits_seed, certification_seed, coaching_seed,
                        safeguarding_seed):
        domain_seed.seed_demo(actor)
    # The scoring story last: it rates coach@'s recorded session (coaching seed) and
    # calibrates master@ (whose gold marks the exercises above needed first).
    seed_scoring.seed_demo(actor)

    # Program outcomes last: an aggregator over everything above (charter, gates, KPI series).
    program_seed.seed_demo(actor)
    fingerprint_file.write_text(fingerprint)
    return password


def _display_name(records: list[PersonRecord], employee_id: str | None) -> str | None:
    return next((r.name for r in records if r.employee_id == employee_id), None)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return auth_services.password_hasher().verify(password_hash, password)
    except Exception:  # argon2 raises several kinds of mismatch
        return False


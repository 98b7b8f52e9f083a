"""Roles: who may hold which responsibility in the coach program.

Pure policy, no Flask or database: the services and the permission authority build on it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # L&D program staff: run sprints, manage people, roles and the program
    MASTER_COACH = "master_coach"  # scores recorded sessions, supervises lead coaches
    LEAD_COACH = "lead_coach"  # supervises trainee and internal coaches
    COACH = "coach"  # trainee or certified internal coach
    RATER = "rater"  # scores assessments
    SPONSOR = "sponsor"  # business sponsor: aggregates only
    MANAGER = "manager"  # line manager: nominates, never sees coaching content


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "L&D admin",
    Role.MASTER_COACH: "Master coach",
    Role.LEAD_COACH: "Lead coach",
    Role.COACH: "Coach",
    Role.RATER: "Rater",
    Role.SPONSOR: "Sponsor",
    Role.MANAGER: "Manager",
}

# Named groups of roles, defined once so every permission module means the same people.
# L&D staff and the coaches who supervise others: see the people directory, supervise raters.
PROGRAM_STAFF: tuple[Role, ...] = (Role.ADMIN, Role.MASTER_COACH, Role.LEAD_COACH)
# Run assessments: create evidence and assessments, assign raters.
ASSESSMENT_RUNNERS: tuple[Role, ...] = (Role.ADMIN, Role.MASTER_COACH)
# May be assigned as a rater, and so take part in calibration (decided: master and lead coaches
# score too; admins and coaches in training do not, unless also granted the rater role).
RATER_ROLES: tuple[Role, ...] = (Role.RATER, Role.MASTER_COACH, Role.LEAD_COACH)
# Everyone who scores, supervises or is scored against a rubric (sponsors and managers take no
# part in assessment).
ASSESSMENT_PARTICIPANTS: tuple[Role, ...] = (*PROGRAM_STAFF, Role.RATER, Role.COACH)


def parse_role(value: str) -> Role:
    """Return the Role named by `value`, or raise ValueError naming the valid roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        valid = ", ".join(role.value for role in Role)
        raise ValueError(f"unknown role {value!r}; valid roles: {valid}") from None

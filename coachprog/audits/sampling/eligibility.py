"""Who the auditor choice list of an audit offers, and why the others are not offered (issue
21: conflicts up front). The rules are `assignment.auditor_refusal`'s — a master coach or rater,
calibrated for the audit rubric, not the coach, not the coach's direct supervisor, outside the
coach's management chain, no conflict of interest (reporting line both ways, coaching
relationship) — answered for the whole pool from a fixed number of queries, whatever its size.
`assign_auditor` stays the authority; this only decides what the list shows."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coachprog.assessments import domain as assessment_domain
from coachprog.assessments.conflicts import coachees_of_many
from coachprog.audits.domain import AUDIT_RUBRIC
from coachprog.audits.models import Audit
from coachprog.audits.sampling.assignment import auditor_pool, open_load
from coachprog.auth.models import User
from coachprog.calibration.services import calibrated_until
from coachprog.coaching.models import SupervisorAssignment
from coachprog.extensions import db
from coachprog.people.services import get_manager_links


@dataclass(frozen=True)
class OfferedAuditor:
    user: User
    open_audits: int


@dataclass(frozen=True)
class NotOfferedAuditor:
    user: User
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AuditorOptions:
    offered: list[OfferedAuditor]
    not_offered: list[NotOfferedAuditor]


def auditor_options(audit: Audit) -> AuditorOptions:
    """The pool split into those the audit may go to (with their open audits) and the others
    with every reason in words. The current auditor is neither: they hold it already."""
    coach_id = audit.coach_person_id
    coach_name = audit.coach.name if audit.coach is not None else "the coach"
    pool = [u for u in auditor_pool() if u.id != audit.auditor_user_id]
    until = calibrated_until([u.id for u in pool], AUDIT_RUBRIC)
    supervisors = set(db.session.scalars(sa.select(SupervisorAssignment.supervisor_user_id)
                                         .where(SupervisorAssignment.coach_person_id == coach_id)))
    persons = {u.person_id for u in pool if u.person_id is not None}
    managers = get_manager_links(persons | {coach_id})
    coach_chain = assessment_domain.manager_chain(coach_id, managers)
    coachees = coachees_of_many(persons)
    load = open_load()
    offered: list[OfferedAuditor] = []
    not_offered: list[NotOfferedAuditor] = []
    for user in pool:
        name, own = user.display_name, user.person_id
        reasons: list[str] = []
        if user.id not in until:
            reasons.append(f"{name} is not calibrated for the audit rubric (never calibrated, "
                           "or the calibration has expired).")
        if own is not None and own == coach_id:
            reasons.append(f"{name} cannot audit themself.")
        if user.id in supervisors:
            reasons.append(f"{name} supervises this coach directly; an audit must be "
                           "independent.")
        if own is not None and own in coach_chain:
            how = "" if coach_chain[0] == own else " indirectly"
            reasons.append(f"{name} manages {coach_name}{how}: nobody in a person's "
                           "management chain audits them.")
        if own is not None and own != coach_id:
            reasons.extend(r for r in assessment_domain.find_conflicts(
                assessment_domain.RelationshipFacts(
                    rater_person_id=own, subject_person_id=coach_id,
                    rater_manager_chain=assessment_domain.manager_chain(own, managers),
                    subject_manager_chain=coach_chain,
                    rater_coachee_ids=coachees.get(own, frozenset()), rater_name=name))
                if "manages the person" not in r)  # said above, naming the coach
        if reasons:
            not_offered.append(NotOfferedAuditor(user, tuple(reasons)))
        else:
            offered.append(OfferedAuditor(user, load.get(user.id, 0)))
    return AuditorOptions(offered, not_offered)

"""Who a rater choice list offers, and why the others are not offered (issue 21: conflicts up
front). Policy: a list offers only people the assignment would accept — holding a rating
role, not yet assigned, calibrated for the rubric on a live assessment, without a conflict of
interest with the person assessed (their management chain both ways, a coaching
relationship, their own case), and, for a recorded session, outside the coach's and
coachee's management chains and, when blind, without a relation to the coach through the
recording. Everyone else holding a rating role is listed as not offered, with the reason in
words, so an admin never has to pick someone only to be refused.

Set-based: the facts for every candidate come from a fixed number of queries (roles,
calibrations, reporting lines, coaching relationships, the recording's supervisors and
auditors), whatever the number of raters. The assignment services stay the authority; this
only decides what the list shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coachprog.assessments import domain
from coachprog.assessments.conflicts import coachees_of_many
from coachprog.assessments.domain import AssessmentKind
from coachprog.assessments.models import Assessment
from coachprog.assessments.recorded import recorded_evidence
from coachprog.assessments.services import RaterChoice, list_eligible_raters
from coachprog.auth.models import User
from coachprog.calibration.services import calibrated_until
from coachprog.people.services import get_manager_links


@dataclass(frozen=True)
class NotOffered:
    """Someone holding a rating role whom the list leaves out, with every reason in words."""

    user: User
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RaterOptions:
    offered: list[RaterChoice]
    not_offered: list[NotOffered]


def rater_options(actor: Any, assessment: Assessment, *,
                  moderation: bool = False) -> RaterOptions:
    """The people a rater list of this assessment offers, and the others with the reasons.
    In moderation the moderator is not offered (they settle, they do not rate)."""
    people = list(list_eligible_raters(actor, assessment))
    rubric = assessment.rubric_version
    live = assessment.kind == AssessmentKind.LIVE.value
    until = calibrated_until([u.id for u in people], rubric.rubric_key)
    subject_id = assessment.evidence.subject_person_id
    recorded = recorded_evidence()
    session_parties = recorded.parties(assessment)  # (coach, coachee) of a recorded session
    parties = set(session_parties) if session_parties is not None else set()
    persons = {u.person_id for u in people if u.person_id is not None}
    managers = get_manager_links(persons | parties | ({subject_id} if subject_id else set()))
    coachees = coachees_of_many(persons) if subject_id is not None else {}
    relations = recorded.blind_relations(people, assessment) \
        if session_parties is not None and assessment.blind else {}
    offered: list[RaterChoice] = []
    not_offered: list[NotOffered] = []
    for user in people:
        name = user.display_name
        reasons: list[str] = []
        if moderation and user.id == getattr(actor, "id", None):
            reasons.append(f"{name} moderates this assessment, so does not rate it.")
        if live and user.id not in until:
            reasons.append(f"{name} is not calibrated for “{rubric.title}”.")
        if subject_id is not None:
            reasons.extend(domain.find_conflicts(domain.RelationshipFacts(
                rater_person_id=user.person_id, subject_person_id=subject_id,
                rater_manager_chain=domain.manager_chain(user.person_id, managers),
                subject_manager_chain=domain.manager_chain(subject_id, managers),
                rater_coachee_ids=coachees.get(user.person_id, frozenset())
                if user.person_id is not None else frozenset(),
                rater_name=name)))
        if session_parties is not None:
            reasons.extend(_recording_reasons(user, session_parties, managers, relations))
        if reasons:
            not_offered.append(NotOffered(user, tuple(dict.fromkeys(reasons))))
        else:
            offered.append(RaterChoice(user, user.id in until, until.get(user.id)))
    return RaterOptions(offered, not_offered)


def _recording_reasons(user: User, session_parties: tuple[int, int],
                       managers: dict[int, int | None], relations: dict[int, str]) -> list[str]:
    """The recorded session's own bars: the chain of its coach and coachee, the coachee
    themself, and (blind) a relation to the coach through the recording."""
    name, own = user.display_name, user.person_id
    coach_person_id, coachee_person_id = session_parties
    reasons = []
    for party, whom in ((coach_person_id, "the coach"), (coachee_person_id, "the coachee")):
        chain = domain.manager_chain(party, managers)
        if own is not None and own in chain:
            how = "" if chain[0] == own else " indirectly"
            reasons.append(f"{name} manages {whom} of this recorded session{how}.")
    if own is not None and own == coachee_person_id:
        reasons.append(f"{name} is the coachee in this recorded session.")
    relation = relations.get(user.id)
    if relation is not None:
        reasons.append(f"{name} {relation}, so a blind review of it would not be blind.")
    return reasons

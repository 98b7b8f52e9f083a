"""Conflicts of interest between a rater (or moderator, or staff reader) and the person
assessed. Policy (issue 21): nobody rates, moderates or opens an assessment of someone in
their management chain (either way), someone they coach, or themself. Coaching relationships
come from sources later packages register (`register_coaching_source`); the pure rules are
`domain.find_conflicts`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coachprog.assessments import domain
from coachprog.assessments.models import Assessment
from coachprog.auth.models import User
from coachprog.errors import NotPermitted
from coachprog.people.services import get_manager_links

CoachingSource = Callable[[int], Iterable[int]]
"""Given a rater's person id, the person ids they coach (or have coached)."""

COACHING_SOURCES: list[CoachingSource] = []

CoachingSourceMany = Callable[[Collection[int]], Mapping[int, Iterable[int]]]
"""A source's batch twin: given raters' person ids, {rater: the person ids they coach}, from
one query whatever their number (choice lists and the audit draw ask about many raters)."""

COACHING_SOURCES_MANY: dict[CoachingSource, CoachingSourceMany] = {}


def register_coaching_source(source: CoachingSource, *,
                             many: CoachingSourceMany | None = None) -> CoachingSource:
    """Later issues (coaching relationships) register where "rater coaches subject" comes
    from; until then no source exists and that conflict rule never fires. `many`, when
    given, answers for many raters at once."""
    COACHING_SOURCES.append(source)
    if many is not None:
        COACHING_SOURCES_MANY[source] = many
    return source


def coachees_of_many(person_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """{rater person: everyone they coach} from every source: one query per source that has a
    batch twin, one per person for a source that has none."""
    wanted = sorted(set(person_ids))
    found: dict[int, set[int]] = {p: set() for p in wanted}
    for source in COACHING_SOURCES:
        many = COACHING_SOURCES_MANY.get(source)
        if many is not None:
            for person_id, coachees in many(wanted).items():
                found.setdefault(person_id, set()).update(coachees)
        else:
            for person_id in wanted:
                found[person_id].update(source(person_id))
    return {p: frozenset(c) for p, c in found.items()}


def relationship_facts(rater: User, subject_person_id: int | None) -> domain.RelationshipFacts:
    """What the conflict rules need about a rater and a subject: both reporting lines come
    from one query, whatever their depth."""
    coachees: set[int] = set()
    if rater.person_id is not None:
        for source in COACHING_SOURCES:
            coachees.update(source(rater.person_id))
    managers = get_manager_links((rater.person_id, subject_person_id))
    return domain.RelationshipFacts(
        rater_person_id=rater.person_id,
        subject_person_id=subject_person_id,
        rater_manager_chain=domain.manager_chain(rater.person_id, managers),
        subject_manager_chain=domain.manager_chain(subject_person_id, managers),
        rater_coachee_ids=frozenset(coachees),
        rater_name=rater.display_name,
    )


def relationship_facts_many(raters: Sequence[User], subject_person_ids: Iterable[int]
                            ) -> Callable[[User, int], domain.RelationshipFacts]:
    """`relationship_facts` for every (rater, subject) pair of a batch (a quarter's audit
    assignment), from one reporting-line query and one coaching query per rater and source,
    instead of three or more queries per pair (one query per coaching source with a batch
    twin, whatever the number of raters)."""
    subjects = set(subject_person_ids)
    coachees = coachees_of_many(r.person_id for r in raters if r.person_id is not None)
    managers = get_manager_links({r.person_id for r in raters} | subjects)
    # Each person's chain once, not once per pair (raters × subjects on a sprint board).
    chains: dict[int | None, tuple[int, ...]] = {}

    def chain(person_id: int | None) -> tuple[int, ...]:
        if person_id not in chains:
            chains[person_id] = domain.manager_chain(person_id, managers)
        return chains[person_id]

    def facts(rater: User, subject_person_id: int) -> domain.RelationshipFacts:
        return domain.RelationshipFacts(
            rater_person_id=rater.person_id,
            subject_person_id=subject_person_id,
            rater_manager_chain=chain(rater.person_id),
            subject_manager_chain=chain(subject_person_id),
            rater_coachee_ids=coachees.get(rater.person_id, frozenset())
            if rater.person_id is not None else frozenset(),
            rater_name=rater.display_name,
        )

    return facts




@dataclass(frozen=True)
class ConflictCheck:
    """One moderator's conflict-of-interest check against one subject. A page works it out
    once per request and hands it to the moderation services, which check again only when it
    was made for another actor or subject."""

    actor_id: int | None
    subject_person_id: int | None
    conflicts: tuple[str, ...]

    def is_for(self, actor: Any, assessment: Assessment) -> bool:
        return (self.actor_id == getattr(actor, "id", None)
                and self.subject_person_id == assessment.evidence.subject_person_id)


def check_moderation_conflicts(actor: Any, assessment: Assessment) -> ConflictCheck:
    """Why the actor may not moderate this assessment's subject (the same conflict registry as
    for raters: manager chain both ways, coaching, themselves); no conflicts when there is
    none."""
    actor_id = getattr(actor, "id", None)
    subject_person_id = assessment.evidence.subject_person_id
    if actor_id is None:
        # The operator at the shell is no person in the directory.
        return ConflictCheck(actor_id, subject_person_id, ())
    facts = relationship_facts(actor, subject_person_id)
    return ConflictCheck(actor_id, subject_person_id, tuple(domain.find_conflicts(facts)))


def moderation_conflicts(actor: Any, assessment: Assessment) -> list[str]:
    """The reasons of `check_moderation_conflicts`; empty when there is none."""
    return list(check_moderation_conflicts(actor, assessment).conflicts)


def refuse_if_conflicted(actor: Any, assessment: Assessment) -> None:
    """Program staff see every assessment, but not one of a person they have a conflict of
    interest with (issue 21): the same registry as for raters and moderators — manager chain
    both ways, coaching, their own candidacy. The detail, scoring and moderation pages and the
    evidence download all load through here; the list does not (it shows titles only and
    stays a fixed number of queries)."""
    if getattr(actor, "id", None) is None or getattr(actor, "person_id", None) is None:
        # The shell operator, or an account with no person in the directory: no relation.
        return
    conflicts = check_moderation_conflicts(actor, assessment).conflicts
    if conflicts:
        raise NotPermitted("can_view_assessment", reason=(
            "You cannot open this assessment. Conflict of interest: " + " ".join(conflicts)
            + " Other program staff handle it."))

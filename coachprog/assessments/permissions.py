"""Who may create, score, see and moderate assessments.

Policy:
- L&D admins and master coaches run assessments (create evidence and assessments, assign
  raters); only admins export results.
- A rater sees an assessment only through an assignment, and never another rater's marks,
  notes or result until they have submitted their own (blind scoring). Program staff who hold no
  assignment see submitted marks of an open assessment only when it is not blind; once it is
  closed they see them all.
- A blind assessment shows its subject only to program staff who hold no rater or gold
  assignment on it; raters see the pseudonym.
- The evidence itself (title, description, link, file) goes with the subject, except on
  calibration items: they decide nothing about the person, and nobody can score an item they
  cannot see, so everyone who may view the item sees its evidence (never its subject).
- Nobody moderates an assessment of a person they have a conflict of interest with (checked
  by the service, which knows the reporting lines).
- Moderation is a master coach's job, never one of the assessment's own raters.
- Managers and sponsors never see assessments (coaching is not surveillance).
"""

from __future__ import annotations

from typing import Any

from coachprog.assessments.domain import (
    AssessmentKind,
    AssessmentStatus,
    AssignmentRole,
    AssignmentStatus,
)
from coachprog.authority import has_any_role, is_signed_in, permission
from coachprog.roles import ASSESSMENT_RUNNERS, RATER_ROLES, Role

SCORING_ROLES = (AssignmentRole.RATER.value, AssignmentRole.GOLD.value)


def _assignments_of(user: Any, assessment: Any) -> list[Any]:
    if not is_signed_in(user) or assessment is None:
        return []
    return [a for a in assessment.assignments if a.rater_id == user.id]


def _scores_on(user: Any, assessment: Any) -> list[Any]:
    return [a for a in _assignments_of(user, assessment) if a.role in SCORING_ROLES]


@permission
def can_manage_assessments(user: Any, obj: Any = None) -> bool:
    """Create evidence items and assessments, assign raters."""
    return has_any_role(user, *ASSESSMENT_RUNNERS)


@permission
def can_assign_raters(user: Any, assessment: Any = None) -> bool:
    """Assign raters from the assessment page: those who run assessments, while it is open (in
    moderation the moderator adds a further rater instead)."""
    return can_manage_assessments(user) and (
        assessment is None or assessment.status == AssessmentStatus.OPEN.value)


@permission
def can_view_rater_choices(user: Any, assessment: Any = None) -> bool:
    """The list of people who could rate: for those who run assessments, and for the
    moderator choosing a further rater."""
    return can_manage_assessments(user) or can_moderate_assessment(user, assessment)


@permission
def can_list_assessments(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, *ASSESSMENT_RUNNERS, *RATER_ROLES)


@permission
def can_export_assessments(user: Any, obj: Any = None) -> bool:
    return has_any_role(user, Role.ADMIN)


@permission
def can_be_assigned_assessments(user: Any, obj: Any = None) -> bool:
    """Whether `user` may be assigned as a rater at all (calibration is checked separately)."""
    return has_any_role(user, *RATER_ROLES)


@permission
def can_view_assessment(user: Any, assessment: Any = None) -> bool:
    if assessment is None or not is_signed_in(user):
        return False
    return has_any_role(user, *ASSESSMENT_RUNNERS) or bool(_assignments_of(user, assessment))


@permission
def can_view_assessment_subject(user: Any, assessment: Any = None) -> bool:
    """The subject's identity and the evidence/assessment titles (which may name them)."""
    if not can_view_assessment(user, assessment):
        return False
    if not assessment.blind:
        return True
    return has_any_role(user, *ASSESSMENT_RUNNERS) and not _scores_on(user, assessment)


@permission
def can_view_assessment_evidence(user: Any, assessment: Any = None) -> bool:
    """The evidence's title, description and file name (see the module policy)."""
    if not can_view_assessment(user, assessment):
        return False
    return (assessment.kind == AssessmentKind.CALIBRATION.value
            or can_view_assessment_subject(user, assessment))


@permission
def can_score_assignment(user: Any, assignment: Any = None) -> bool:
    return (is_signed_in(user) and assignment is not None and assignment.rater_id == user.id
            and assignment.role in SCORING_ROLES)


@permission
def can_moderate_assessment(user: Any, assessment: Any = None) -> bool:
    if not has_any_role(user, Role.MASTER_COACH):
        return False
    return assessment is None or not _scores_on(user, assessment)


@permission
def can_view_rater_identity(user: Any, assignment: Any = None) -> bool:
    """Who holds an assignment. On a blind assessment a rater sees their co-raters only as
    pseudonyms ("Rater 2") until it closes — submitted or not: a name invites deferring to a
    senior rater or conferring. Those who run or moderate it without scoring on it see names
    (they assign and chase raters); one's own assignment is always one's own."""
    if assignment is None or not is_signed_in(user):
        return False
    if assignment.rater_id == user.id:
        return True
    assessment = assignment.assessment
    if not can_view_assessment(user, assessment):
        return False
    if not assessment.blind or assessment.status == AssessmentStatus.CLOSED.value:
        return True
    if _scores_on(user, assessment):
        return False
    return has_any_role(user, *ASSESSMENT_RUNNERS) or can_moderate_assessment(user, assessment)


@permission
def can_view_assignment_marks(user: Any, assignment: Any = None) -> bool:
    """Another person's marks, notes and result on one assignment (see the module policy)."""
    if assignment is None or not is_signed_in(user):
        return False
    if assignment.rater_id == user.id:
        return True
    assessment = assignment.assessment
    if assignment.status != AssignmentStatus.SUBMITTED.value:
        return False
    if (assessment.kind == AssessmentKind.CALIBRATION.value
            and assessment.status != AssessmentStatus.CLOSED.value):
        # Calibration stays blind until the exercise closes: the gold marks and the other
        # raters' marks on one item would coach a rater through the items still to score.
        return False
    own = _scores_on(user, assessment)
    if own:
        # Blind scoring: only once every assignment of this user here is submitted.
        return all(a.status == AssignmentStatus.SUBMITTED.value for a in own)
    if assessment.status != AssessmentStatus.OPEN.value and can_moderate_assessment(
            user, assessment):
        return True
    if has_any_role(user, *ASSESSMENT_RUNNERS):
        return not assessment.blind or assessment.status == AssessmentStatus.CLOSED.value
    return False


@permission
def can_export_assignment_marks(user: Any, assignment: Any = None) -> bool:
    """One assignment's scores and notes in the admins' export. Blind scores and notes stay out
    of any export until the assessment closes, even for an exporter who could see them on the
    page (an admin who is also the moderator)."""
    if assignment is None or not can_export_assessments(user):
        return False
    assessment = assignment.assessment
    if assessment.blind and assessment.status != AssessmentStatus.CLOSED.value:
        return False
    return can_view_assignment_marks(user, assignment)


@permission
def can_view_assessment_result(user: Any, assessment: Any = None) -> bool:
    return (can_view_assessment(user, assessment)
            and assessment.status == AssessmentStatus.CLOSED.value)

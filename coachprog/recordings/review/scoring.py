"""Recorded sessions as assessment evidence: what the assessments package asks of recordings
(`coachprog.assessments.recorded.RecordedEvidence`), answered from the recording behind an
evidence item, its content rules and its transcript citations. Registered at import
(create_app imports this module)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coachprog.assessments.recorded import register_recorded_evidence
from coachprog.recordings import permissions
from coachprog.recordings.review import citations


class RecordingEvidence:
    """The recordings package's answers about an assessment whose evidence is a recording."""

    def rater_refusal(self, rater: Any, assessment: Any) -> str | None:
        # The chain bar first: nobody above the session's coach or coachee scores it; then,
        # on a blind assessment, nobody who knows the coach through the recording.
        return (citations.chain_rater_refusal(rater, assessment)
                or citations.blind_rater_refusal(rater, assessment))

    def parties(self, assessment: Any) -> tuple[int, int] | None:
        recording = citations.evidence_recording(assessment)
        if recording is None:
            return None
        engagement = recording.session.engagement
        return engagement.coach_person_id, engagement.coachee_person_id

    def blind_relations(self, raters: Sequence[Any], assessment: Any) -> dict[int, str]:
        recording = citations.evidence_recording(assessment)
        if recording is None or not assessment.blind:
            return {}
        return {user_id: permissions.BLIND_RELATION_WORDS[relation] for user_id, relation
                in permissions.blind_relations(raters, recording).items()}

    def scoring_material(self, actor: Any, assessment: Any) -> citations.ScoringMaterial:
        return citations.scoring_material(actor, assessment)

    def cited_moments(self, actor: Any, assessment: Any) -> citations.CitedView:
        return citations.cited_moments(actor, assessment)

    def citations_of(self, assignment: Any) -> dict[str, list[int]]:
        return citations.citations_of(assignment)

    def parse_segment_ids(self, raw: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
        return citations.parse_segment_ids(raw)

    def save_citations(self, actor: Any, assignment: Any,
                       cited: Mapping[str, Sequence[int]]) -> int:
        return citations.save_citations(actor, assignment, cited)


register_recorded_evidence(RecordingEvidence())

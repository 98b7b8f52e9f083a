"""Recorded sessions as assessment evidence, as far as assessments need to know them.

An evidence item may point at a recorded coaching session (`EvidenceItem.recording_id`). The
recordings package sits above assessments (it cites transcript moments in marks and lets blind
raters hear the session), so assessments never import it: recordings registers one
`RecordedEvidence` here at app start (create_app imports `coachprog.recordings.review.scoring`),
and the assessment services, rater lists and scoring pages ask it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class RecordedEvidence(Protocol):
    def rater_refusal(self, rater: Any, assessment: Any) -> str | None:
        """Why this rater may not score this assessment because of its recorded session
        (the chain bar; on a blind one, a relation to the coach through the recording)."""

    def parties(self, assessment: Any) -> tuple[int, int] | None:
        """The recorded session's coach and coachee (person ids), or None: no recording."""

    def blind_relations(self, raters: Sequence[Any], assessment: Any) -> dict[int, str]:
        """{rater's user id: their relation to the coach through the recording, in words}
        for the raters who have one."""

    def scoring_material(self, actor: Any, assessment: Any) -> Any:
        """What the scoring page shows of the recorded session (audited when read)."""

    def cited_moments(self, actor: Any, assessment: Any) -> Any:
        """The transcript moments the visible marks cite (audited when shown)."""

    def citations_of(self, assignment: Any) -> dict[str, list[int]]:
        """Behaviour id → the transcript segment ids one assignment cites."""

    def parse_segment_ids(self, raw: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
        """Posted cited moments as segment ids (DomainError naming the bad ones)."""

    def save_citations(self, actor: Any, assignment: Any,
                       cited: Mapping[str, Sequence[int]]) -> int:
        """Replace the moments the assignment's marks cite; returns how many are stored."""


_REGISTERED: list[RecordedEvidence] = []


def register_recorded_evidence(provider: RecordedEvidence) -> RecordedEvidence:
    """Recordings plugs itself in (the last registration wins: one source of recordings)."""
    _REGISTERED[:] = [provider]
    return provider


def recorded_evidence() -> RecordedEvidence:
    if not _REGISTERED:
        raise LookupError("No recorded-evidence provider: create_app imports "
                          "coachprog.recordings.review.scoring, which registers it.")
    return _REGISTERED[0]

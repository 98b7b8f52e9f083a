"""Fidelity signal services: per-session signals from transcripts, drift per coach.

Contract used by other domains (keep these names and shapes):
- `drifting_coach_ids()` — person ids of coaches with an open drift flag; quarterly audit
  sampling gives them priority weight.
"""

from __future__ import annotations


def drifting_coach_ids() -> set[int]:
    raise NotImplementedError  # fidelity signals (issue 7) fills this in

"""Fidelity signals from transcripts: pure rules (question, advice, reflection shares)."""

from __future__ import annotations

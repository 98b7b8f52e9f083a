"""Fidelity signals: per-session signals from transcripts and drift flags (prompts for review)."""

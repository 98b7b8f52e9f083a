"""Supervision tiers and quarterly audits, with fidelity signals from transcripts."""

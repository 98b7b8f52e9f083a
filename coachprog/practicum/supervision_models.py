"""Supervision, feedback, triads, capstone briefs and gates of the practicum."""

from __future__ import annotations

"""Supervision deadlines, capstone and gate rules of the practicum: pure rules."""

from __future__ import annotations

"""Practicum hours ledger: pure rules (targets, windows, verified-only hours, overlaps)."""

from __future__ import annotations

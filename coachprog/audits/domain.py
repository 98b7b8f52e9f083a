"""Quarterly audit sampling and assignment: pure rules."""

from __future__ import annotations

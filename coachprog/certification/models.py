"""Certification decisions, certificates and reminders."""

from __future__ import annotations

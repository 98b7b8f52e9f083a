"""Supervision events, audit samples, audits, findings and corrective actions."""

from __future__ import annotations

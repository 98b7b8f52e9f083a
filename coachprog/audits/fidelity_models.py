"""Stored fidelity signals per session and drift flags."""

from __future__ import annotations

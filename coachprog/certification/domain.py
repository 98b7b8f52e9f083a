"""Certification levels and recertification clocks: pure rules."""

from __future__ import annotations

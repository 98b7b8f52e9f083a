"""Certification background jobs (certificate batches, the daily tick)."""

from __future__ import annotations

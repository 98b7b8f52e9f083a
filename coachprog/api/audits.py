"""Audits API."""

from __future__ import annotations

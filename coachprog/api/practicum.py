"""Practicum API: /api/v1/practicum/{coach}/entries and progress."""

from __future__ import annotations

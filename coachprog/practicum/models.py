"""Practicum and hours-ledger models."""

from __future__ import annotations

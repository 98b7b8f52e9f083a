"""Permission rules of the assessments domain (registered with coachprog.auth.permissions)."""

from __future__ import annotations

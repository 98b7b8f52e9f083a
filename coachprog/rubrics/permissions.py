"""Permission rules of the rubrics domain (registered with coachprog.auth.permissions)."""

from __future__ import annotations

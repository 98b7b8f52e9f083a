"""Permission rules of the calibration domain (registered with coachprog.auth.permissions)."""

from __future__ import annotations

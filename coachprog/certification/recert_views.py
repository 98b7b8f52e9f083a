"""Recertification pages (evidence, review, decision) on the certification blueprint."""

from __future__ import annotations

from coachprog.certification.views import bp  # noqa: F401

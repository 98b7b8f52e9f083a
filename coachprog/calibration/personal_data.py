"""Calibration in a person's data (issue 24): exercises they created and their calibration
results as a rater. Erasure keeps both (a rater's kappa is a number, referred to by account
id; the account is pseudonymised)."""

from __future__ import annotations

from typing import Any

from coachprog.personal_data import ErasureContext, Subject, export_tables, register_section


def export(subject: Subject) -> dict[str, Any]:
    return export_tables(subject, "calibration_exercises", "rater_calibrations")


def erase(ctx: ErasureContext) -> None:
    return None


register_section("calibration", export, erase, title="Calibration", order=35,
                 tables=["calibration_exercises", "rater_calibrations"])

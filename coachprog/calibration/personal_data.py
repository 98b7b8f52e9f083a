"""Calibration in a person's data (issue 24): exercises they created and their calibration
results as a rater. Erasure keeps both (a rater's kappa is a number, referred to by account
id; the account is pseudonymised)."""

from __future__ import annotations

from coachprog.personal_data import register_table_section

register_table_section("calibration", ["calibration_exercises", "rater_calibrations"],
                       title="Calibration", order=35)

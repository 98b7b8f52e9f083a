"""Supervision structure: the supervisor tree, its warnings, and supervision events (case
clinics, calibration sessions)."""

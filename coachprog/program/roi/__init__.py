"""Tier 4: the Phillips ROI, always a range (`domain.py`, pure)."""

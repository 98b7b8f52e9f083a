"""Practicum: the 8–12 week supervised practice after appointment."""

"""Certification levels: the levels file, its criteria and the evidence queries they name."""

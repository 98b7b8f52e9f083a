"""Certification levels, certificates and recertification."""

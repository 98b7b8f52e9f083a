"""Recertification: one certification's cycle evidence, its scored review and the renewal."""

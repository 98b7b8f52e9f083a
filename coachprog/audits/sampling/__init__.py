"""Quarterly audit sampling: the stratified draw, its record and verification, and auditor
assignment."""

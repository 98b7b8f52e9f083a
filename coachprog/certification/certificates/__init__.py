"""Certificates: the PDF, the Open Badges export, cohort batches and the public verify page."""

"""Transcript review: the transcript page, corrections, export, sensitive-topic flags
and the transcript moments raters cite."""

"""Retention: the scheduled purge of audio and transcripts, and the purges of a withdrawal."""

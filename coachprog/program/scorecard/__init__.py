"""The pilot scorecard, with a registry for counts other domains record."""

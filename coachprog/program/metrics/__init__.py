"""Tiered metrics: tier 1 from the app's data, tiers 2–3 imported per pseudonymised leader."""

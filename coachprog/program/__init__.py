"""Program outcomes (issue 23): is the coach program working, and is it worth it?

An aggregator-level domain: it reads the program domains (coaching, recordings, audits,
certification, selection) and nothing below imports it. Sub-packages:
- `charter/`: the charter (one KPI, baseline, targets, sponsor), the resource and cost model,
  phases, and the decision gates written before the data (locked once the pilot starts).
- `metrics/`: tier 1 from the app's own data (SQL aggregates), tiers 2–3 imported with dates
  per pseudonymised leader, aggregates by group with small groups withheld.
- `roi/`: pure Phillips ROI (fully loaded cost, isolation, conservative rules, a range).
- `scorecard/`: the pilot scorecard, with a registry for counts other domains record.
"""

"""Safeguarding records in a person's data (issue 24): escalation cases about their coaching
or that they raised, owned or closed, the steps they completed, and the incidents and
bias-audit reviews they recorded, owned or closed.

Export: the facts of each record (category, status, dates, outcome), not its text. A
safeguarding case or an incident describes other people — the coachee above all — and its text
is released by L&D on request after weighing their rights, not by a self-service download.

Erasure keeps these rows and their text: they are the organisation's record of a safeguarding
concern, a privacy incident or a fairness review, kept to meet a legal obligation (the
exemption from erasure in GDPR Art. 17(3)(b)). The account is pseudonymised and the final
sweep replaces the person's identifiers in every text column, so the record names no one.
"""

from __future__ import annotations

from coachprog.personal_data import register_table_section

TEXT = {
    "escalation_cases": ("summary", "closure_note"),
    "escalation_steps": ("note",),
    "safeguarding_incidents": ("title", "description", "follow_up", "closure_note"),
    "bias_review_items": ("closure_note",),
}

register_table_section("safeguarding", list(TEXT),
                       title="Safeguarding cases, incidents and fairness reviews", order=95,
                       omit=TEXT)

"""Word error rate, the one measure of transcription quality the tests and the benchmark share
(stdlib only: no Flask, no database)."""

from __future__ import annotations

import re


def words(text: str) -> list[str]:
    """Lower-cased words without punctuation; the one abbreviation the samples need spelled
    ("Mr." is read as "mister")."""
    text = text.lower().replace("mr.", "mister")
    return re.findall(r"[a-z0-9']+", text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference's length."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i]
        for j, hyp_word in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1] / max(1, len(ref))

"""Validation on real expert-annotated data: AnnoMI dev half (../shared/samples/annomi)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ANNOMI = ROOT.parent / "shared" / "samples" / "annomi" / "annomi-dev.csv"


def _bench() -> object:
    if not ANNOMI.is_file():
        pytest.skip("../shared/samples/annomi/annomi-dev.csv is not there")
    spec = importlib.util.spec_from_file_location("fidelity_annomi",
                                                  ROOT / "bench" / "fidelity_annomi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_session_signal_separates_high_from_low_quality() -> None:
    aucs = _bench().evaluate(ANNOMI)  # type: ignore[attr-defined]
    assert aucs["listening_ratio"] >= 0.80
    assert aucs["question_ratio"] >= 0.80
    # The point of the signal: counting questions alone is close to chance.
    assert aucs["question_share"] < 0.70


def test_the_rules_agree_with_the_annotators_on_most_questions() -> None:
    counts = _bench().confusion(ANNOMI)  # type: ignore[attr-defined]
    questions = sum(v for (gold, _), v in counts.items() if gold == "question")
    assert counts[("question", "question")] / questions >= 0.8

"""ROC AUC of the fidelity signals on AnnoMI (high vs low practice quality).

Usage: .venv/bin/python bench/fidelity_annomi.py [CSV] [--halves] [--confusion]
Default CSV: ../shared/samples/annomi/annomi-dev.csv. Uses exactly the code path of
`flask --app wsgi fidelity score-csv` (coachprog.audits.fidelity + rubrics/fidelity/terms.yaml).
Nothing is fitted: the rules and term lists are fixed, so the AUCs are out-of-sample for any
file the term lists were not tuned on (they were tuned by reading the dev file; see
docs/fidelity.md).
"""

from __future__ import annotations

import csv
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coachprog.audits.fidelity import domain as fidelity  # noqa: E402
from coachprog.audits.fidelity.services import load_terms  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "samples" / "annomi" / "annomi-dev.csv"
GOLD = {"question": fidelity.TurnKind.QUESTION, "reflection": fidelity.TurnKind.REFLECTION,
        "therapist_input": fidelity.TurnKind.ADVICE, "other": fidelity.TurnKind.OTHER}


def evaluate(path: Path, *, keep: Callable[[str], bool] = lambda tid: True) -> dict[str, float]:
    """AUC per signal over the transcripts whose id `keep` accepts."""
    terms = load_terms()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if keep(r["transcript_id"])]
    quality = {r["transcript_id"]: r["mi_quality"] for r in rows}
    signals = {tid: fidelity.session_signals(turns, terms)
               for tid, turns in fidelity.transcripts_from_rows(rows).items()}
    result = {}
    for name in (*fidelity.SIGNALS, "talk_share"):
        high = [signals[t].value(name) if name != "talk_share" else signals[t].talk_share
                for t in signals if quality[t] == "high"]
        low = [signals[t].value(name) if name != "talk_share" else signals[t].talk_share
               for t in signals if quality[t] == "low"]
        high_v = [v if v is not None else 0.0 for v in high]
        low_v = [v if v is not None else 0.0 for v in low]
        if name == "talk_share":  # more coach talk = worse: flip so AUC > .5 means "separates"
            high_v, low_v = [-v for v in high_v], [-v for v in low_v]
        result[name] = fidelity.roc_auc(high_v, low_v)
    return result


def ceiling(path: Path) -> float:
    """The same listening ratio from the annotators' own turn labels: the best the rules could
    reach by labelling every turn as the experts did."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    counts: dict[str, Counter[str]] = {}
    quality = {}
    for r in rows:
        quality[r["transcript_id"]] = r["mi_quality"]
        if r["interlocutor"] == "therapist":
            counts.setdefault(r["transcript_id"], Counter())[r["main_therapist_behaviour"]] += 1

    def ratio(c: Counter[str]) -> float:
        listening = c["question"] + c["reflection"]
        return listening / (listening + c["therapist_input"] or 1)

    return fidelity.roc_auc([ratio(c) for t, c in counts.items() if quality[t] == "high"],
                            [ratio(c) for t, c in counts.items() if quality[t] == "low"])


def bootstrap(path: Path, signal: str = "listening_ratio", rounds: int = 1000,
              seed: int = 7) -> tuple[float, float]:
    """95 % percentile interval of the AUC, resampling transcripts within each class."""
    terms = load_terms()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    quality = {r["transcript_id"]: r["mi_quality"] for r in rows}
    values = {tid: fidelity.session_signals(turns, terms).value(signal) or 0.0
              for tid, turns in fidelity.transcripts_from_rows(rows).items()}
    high = [v for t, v in values.items() if quality[t] == "high"]
    low = [v for t, v in values.items() if quality[t] == "low"]
    rng = random.Random(seed)
    aucs = sorted(fidelity.roc_auc(rng.choices(high, k=len(high)), rng.choices(low, k=len(low)))
                  for _ in range(rounds))
    return aucs[int(0.025 * rounds)], aucs[int(0.975 * rounds) - 1]


def confusion(path: Path) -> Counter[tuple[str, str]]:
    terms = load_terms()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["interlocutor"] == "therapist"]
    return Counter((r["main_therapist_behaviour"],
                    fidelity.classify_turn(r["utterance_text"], terms).value) for r in rows)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    with path.open(newline="", encoding="utf-8") as handle:
        labels = Counter(r["mi_quality"] for r in csv.DictReader(handle)
                         if r.get("utterance_id") in ("0", None))
    print(f"{path.name}: transcripts high={labels['high']} low={labels['low']}")
    for name, auc in evaluate(path).items():
        print(f"  AUC {name:<17} {auc:.3f}")
    low_ci, high_ci = bootstrap(path)
    print(f"  listening_ratio 95 % bootstrap interval {low_ci:.3f}-{high_ci:.3f}")
    print(f"  ceiling (annotators' own turn labels, listening ratio) {ceiling(path):.3f}")
    if "--halves" in argv:  # stability: the rules were written reading this file
        for name, keep in (("even ids", lambda t: int(t) % 2 == 0),
                           ("odd ids", lambda t: int(t) % 2 == 1)):
            aucs = evaluate(path, keep=keep)
            print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in aucs.items()))
    if "--confusion" in argv:
        counts = confusion(path)
        gold = sorted({g for g, _ in counts})
        kinds = [k.value for k in fidelity.TurnKind]
        print("  turn labels (rows: annotators, columns: rules): " + " ".join(kinds))
        for g in gold:
            print(f"  {g:<16}" + " ".join(f"{counts[(g, k)]:>9}" for k in kinds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

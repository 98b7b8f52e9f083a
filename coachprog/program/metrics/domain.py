"""Tiered metrics: leading indicators (tier 2) and business outcomes (tier 3) per leader, with
dates, pseudonymised; aggregates by group with small groups withheld.

Policy (issue 23):
- Tier 2 (self-ratings, targeted 360 items, supervisor-observed behaviours) and tier 3 (the
  charter's business KPI, for coached leaders and the comparison group) arrive as CSV or API
  rows with a date. Leaders are stored under a keyed pseudonym (HMAC-SHA-256 of the employee
  id with the app's secret), never their name or employee id, so re-imports match the same
  leader and nothing in the program tables names a person.
- Every aggregate by group (department, level, cohort) withholds groups under 5 by the one
  rule (`governance.domain.withheld_labels`, with complementary suppression and, where no
  shown group is left, the total too). A coached leader without data counts as no change in
  a group's mean (no data counts as no improvement), so the figure is over the group's n.

Pure standard library.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from coachprog.governance.domain import MIN_GROUP_SIZE, total_reveals_withheld, withheld_labels

REQUIRED_COLUMNS = ("employee_id", "group", "tier", "metric", "date", "value")
OPTIONAL_COLUMNS = ("department", "level", "cohort")
GROUPS = ("coached", "comparison")
GROUP_BY = ("department", "level", "cohort")
MAX_ROWS = 100_000
MAX_PROBLEMS = 20
# Participants' estimates (Phillips isolation), imported as tier 2 rows of these metrics.
ESTIMATE_METRICS = ("estimate_improvement", "estimate_contribution", "estimate_confidence")


def pseudonym(secret: str, employee_id: str) -> str:
    digest = hmac.new(secret.encode(), employee_id.strip().encode(), hashlib.sha256)
    return "L-" + digest.hexdigest()[:12]


@dataclass(frozen=True)
class ObservationRow:
    line: int
    employee_id: str
    group: str
    tier: int
    metric: str
    on: date
    value: float
    department: str = ""
    level: str = ""
    cohort: str = ""


@dataclass
class ParsedImport:
    rows: list[ObservationRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more: int = 0

    def refuse(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.more += 1


def parse_observations(data: bytes) -> ParsedImport:
    """Rows of a KPI / indicator CSV, or the problems naming each line (header = line 1)."""
    result = ParsedImport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.refuse("The file is not UTF-8 text; save it as CSV (UTF-8).")
        return result
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        result.refuse(f"Line 1: the header lacks {', '.join(missing)} (needed: "
                      f"{', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}).")
        return result
    reader.fieldnames = columns
    try:
        for raw in reader:
            line = reader.line_num
            if len(result.rows) >= MAX_ROWS:
                result.refuse(f"Line {line}: at most {MAX_ROWS} rows per file.")
                break
            row = _row(line, {k: (v or "").strip() for k, v in raw.items() if k}, result)
            if row is not None:
                result.rows.append(row)
    except csv.Error as error:
        result.refuse(f"The file is not readable CSV: {error}.")
    if not result.rows and not result.problems:
        result.refuse("The file has no rows.")
    return result


def _row(line: int, raw: Mapping[str, str], result: ParsedImport) -> ObservationRow | None:
    problems = []
    if not raw.get("employee_id"):
        problems.append("employee_id is empty")
    group = raw.get("group", "").lower()
    if group not in GROUPS:
        problems.append(f"group must be coached or comparison, not {group!r}")
    tier = raw.get("tier", "")
    if tier not in ("2", "3"):
        problems.append(f"tier must be 2 or 3, not {tier!r}")
    metric = raw.get("metric", "").lower()
    if not metric or len(metric) > 64:
        problems.append("metric must be a name of 1–64 characters")
    try:
        on = date.fromisoformat(raw.get("date", ""))
    except ValueError:
        problems.append(f"date must be YYYY-MM-DD, not {raw.get('date', '')!r}")
        on = date.min
    try:
        value = float(raw.get("value", ""))
        if not math.isfinite(value):
            raise ValueError
    except ValueError:
        problems.append(f"value must be a number, not {raw.get('value', '')!r}")
        value = 0.0
    if problems:
        result.refuse(f"Line {line}: " + "; ".join(problems) + ".")
        return None
    return ObservationRow(line, raw["employee_id"], group, int(tier), metric, on, value,
                          raw.get("department", "")[:200], raw.get("level", "")[:64],
                          raw.get("cohort", "")[:64])


# --- aggregates by group ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """One group's coached leaders: n, and their KPI mean before, after, and the change
    (a leader without before-and-after data counts as no change)."""

    n: int
    with_data: int
    before: float | None
    after: float | None
    change: float | None


def group_figures(changes: Sequence[tuple[float, float] | None]) -> GroupFigures:
    """`changes`: per leader (mean before, mean after) or None without both."""
    known = [c for c in changes if c is not None]
    n = len(changes)
    if not known:
        return GroupFigures(n, 0, None, None, None)
    before = sum(b for b, _ in known) / len(known)
    after = sum(a for _, a in known) / len(known)
    return GroupFigures(n, len(known), before, after, sum(a - b for b, a in known) / n)


def suppressed_groups(figures: Mapping[str, GroupFigures], total: GroupFigures,
                      minimum: int = MIN_GROUP_SIZE) -> dict[str, object]:
    """The API's shape: shown groups with their figures, withheld ones as `suppressed`,
    the total withheld where it would give a withheld group away."""
    counts = {key: f.n for key, f in figures.items()}
    hidden = withheld_labels(counts, minimum)
    listed = {key: n for key, n in counts.items() if n > 0}
    shown = sorted((key for key in listed if key not in hidden),
                   key=lambda key: (-counts[key], key))
    groups: list[dict[str, object]] = [{"key": key, **figures_dict(figures[key])}
                                       for key in shown]
    groups += [{"key": key, "suppressed": True} for key in sorted(hidden)]
    reveals = total_reveals_withheld(listed, hidden, minimum) or 0 < total.n < minimum
    return {"groups": groups,
            "total": {"suppressed": True} if reveals else figures_dict(total)}


def figures_dict(f: GroupFigures) -> dict[str, object]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {"n": f.n, "leaders_with_data": f.with_data, "kpi_before": rounded(f.before),
            "kpi_after": rounded(f.after), "kpi_change": rounded(f.change)}

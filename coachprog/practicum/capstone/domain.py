"""The capstone brief of the practicum: pure rules.

Policy (issue 6, "Capstone brief"):
- A trainee submits a two-page coaching plan for one coached leader engagement, written in the
  in-app markdown editor or uploaded as a PDF or DOCX file.
- It links the session objectives to one measurable leader KPI: name, baseline, target and
  data source are all required, and the target differs from the baseline (a KPI that is not
  meant to move measures nothing).
- Two pages: a PDF has at most 2 pages; a DOCX or markdown brief at most `MAX_WORDS` words
  (about two pages of 11 pt text), and a DOCX declares or breaks into at most 2 pages.
- It is scored with the capstone rubric. A failing brief may be revised and resubmitted as a
  new version (every version is kept); a passing one ends the capstone: no further versions;
  while a version is being scored no other is submitted.

No Flask, no SQLAlchemy: the services parse files and read assessments, then ask here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coachprog.glossary import LabelledEnum, labels

MARKDOWN = "markdown"
PDF = "pdf"
DOCX = "docx"
FORMATS = (MARKDOWN, PDF, DOCX)
FORMAT_LABELS = {MARKDOWN: "Written in the app", PDF: "PDF upload", DOCX: "Word (DOCX) upload"}

MAX_PAGES = 2
MAX_WORDS = 1100  # about two pages of 11 pt text
MIN_WORDS = 100  # below this there is no plan to score
MAX_FILE_BYTES = 5 * 1024 * 1024  # a two-page brief is far smaller; this refuses padding
MAX_MARKDOWN_CHARS = 20_000
MAX_OBJECTIVES_CHARS = 2000
MAX_OBJECTIVES = 10
FIELD_LIMITS = {"kpi_name": 200, "kpi_baseline": 100, "kpi_target": 100, "kpi_source": 200}
FIELD_LABELS = {"kpi_name": "the KPI's name", "kpi_baseline": "the baseline",
                "kpi_target": "the target", "kpi_source": "the data source"}


@dataclass(frozen=True)
class Kpi:
    """The measurable leader KPI the brief's objectives are linked to."""

    name: str
    baseline: str
    target: str
    source: str

    def cleaned(self) -> Kpi:
        return Kpi(*(" ".join(v.split()) for v in (self.name, self.baseline, self.target,
                                                    self.source)))


_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")


def _as_number(value: str) -> float | None:
    """"12", "12.0", "12 %", "1,5" read as numbers; anything with words is text."""
    text = value.replace("%", "").replace(" ", "").strip()
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


def same_value(a: str, b: str) -> bool:
    """Whether a baseline and a target state the same value: numbers compare as numbers
    ("12 %" = "12.0%"), text without case or extra spaces."""
    left, right = _as_number(a), _as_number(b)
    if left is not None and right is not None:
        return left == right
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def kpi_problems(kpi: Kpi) -> dict[str, str]:
    """Field -> message for every KPI rule broken; empty when the KPI may be saved."""
    kpi = kpi.cleaned()
    values = {"kpi_name": kpi.name, "kpi_baseline": kpi.baseline, "kpi_target": kpi.target,
              "kpi_source": kpi.source}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if not value:
            errors[name] = f"Give {FIELD_LABELS[name]}: the KPI block is mandatory."
        elif len(value) > FIELD_LIMITS[name]:
            errors[name] = f"At most {FIELD_LIMITS[name]} characters."
    if "kpi_baseline" not in errors and "kpi_target" not in errors \
            and same_value(kpi.baseline, kpi.target):
        errors["kpi_target"] = "The target equals the baseline: say what should change."
    return errors


_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def objectives_list(text: str) -> list[str]:
    """The session objectives, one a line (bullets and numbering removed)."""
    out = []
    for line in text.splitlines():
        item = " ".join(_BULLET.sub("", line).split())
        if item:
            out.append(item)
    return out


def objectives_problem(text: str) -> str | None:
    if len(text) > MAX_OBJECTIVES_CHARS:
        return f"At most {MAX_OBJECTIVES_CHARS} characters; the detail belongs in the brief."
    items = objectives_list(text)
    if not items:
        return "List the session objectives linked to the KPI, one a line."
    if len(items) > MAX_OBJECTIVES:
        return f"At most {MAX_OBJECTIVES} objectives; a two-page plan focuses."
    return None


_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def length_problem(words: int, pages: int | None = None) -> str | None:
    """Why a brief is not a two-page brief, or None. `pages` is known for files only."""
    if pages is not None and pages > MAX_PAGES:
        return f"The brief has {pages} pages; it is at most {MAX_PAGES}."
    if words > MAX_WORDS:
        return (f"The brief has {words} words; two pages hold about {MAX_WORDS}. "
                "Shorten it.")
    if words < MIN_WORDS:
        return (f"The brief has {words} words; a coaching plan needs at least {MIN_WORDS}.")
    return None


def file_length_problem(fmt: str, words: int, pages: int | None) -> str | None:
    """A DOCX is held to the page and word limits; a PDF to its pages, and to the words of
    its text layer when it has one (a scanned PDF has none, so no minimum applies)."""
    if fmt == PDF:
        if pages is not None and pages > MAX_PAGES:
            return length_problem(words, pages)
        return length_problem(words) if words > MAX_WORDS else None
    return length_problem(words, pages)


def file_size_problem(size: int, limit: int = MAX_FILE_BYTES) -> str | None:
    if size <= 0:
        return "The file is empty."
    if size > limit:
        return (f"The file is larger than {limit / 1024 / 1024:g} MB; a two-page brief is "
                "much smaller (remove embedded images or export again).")
    return None


def format_of(filename: str) -> str | None:
    """The upload format a file name claims (the services then check the content agrees)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return extension if extension in (PDF, DOCX) else None


# --- versions ----------------------------------------------------------------------------------


class BriefState(LabelledEnum):
    # open, no rater assigned yet (program staff assign one)
    WAITING_RATER = "waiting_rater", "Waiting for a rater"
    # open with its rater(s)
    SCORING = "scoring", "Being scored"
    # raters disagreed; a master coach settles
    MODERATION = "moderation", "In moderation"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Not passed: revise and resubmit"


STATE_LABELS = labels(BriefState)


def brief_state(assessment_status: str, *, passed: bool, raters: int) -> BriefState:
    """A version's state from its assessment (open | moderation | closed)."""
    if assessment_status == "closed":
        return BriefState.PASSED if passed else BriefState.FAILED
    if assessment_status == "moderation":
        return BriefState.MODERATION
    return BriefState.SCORING if raters else BriefState.WAITING_RATER


def is_settled(state: BriefState) -> bool:
    return state in (BriefState.PASSED, BriefState.FAILED)


def submission_problem(states: Sequence[BriefState]) -> str | None:
    """Why a new version may not be submitted now (`states`: earlier versions, oldest
    first), or None."""
    if any(s is BriefState.PASSED for s in states):
        return "Your capstone brief has passed: no further versions are taken."
    if states and not is_settled(states[-1]):
        return (f"Version {len(states)} is still being scored; if it does not pass you can "
                "revise it and submit the next version.")
    return None


def next_version(states: Sequence[BriefState]) -> int:
    return len(states) + 1

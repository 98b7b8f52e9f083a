"""Entry rules, as pure rules: one entry per person per sprint, a nominator must manage the
nominee directly or indirectly and say why, an open application fits on one page (150–600
words)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# One page of prose is about 500 words; 600 leaves room for a dense page, 150 is the least that
# holds the two coaching examples the application asks for.
MIN_APPLICATION_WORDS = 150
MAX_APPLICATION_WORDS = 600
MAX_WHY_LENGTH = 2000
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def word_count(text: str) -> int:
    """Words as a reader counts them ("self-aware" and "don't" are one word each)."""
    return len(_WORD.findall(text))


def application_problems(text: str) -> list[str]:
    words = word_count(text)
    if words == 0:
        return ["Write your application: one page with examples of your coaching."]
    if words < MIN_APPLICATION_WORDS:
        return [f"The application has {words} words; write at least {MIN_APPLICATION_WORDS} "
                f"(one page of up to {MAX_APPLICATION_WORDS} words)."]
    if words > MAX_APPLICATION_WORDS:
        return [f"The application has {words} words; keep it to one page of at most "
                f"{MAX_APPLICATION_WORDS} words."]
    return []


def why_problems(text: str) -> list[str]:
    stripped = text.strip()
    if not stripped:
        return ["Say why you are nominating this person."]
    if len(stripped) > MAX_WHY_LENGTH:
        return [f"Keep the reason under {MAX_WHY_LENGTH} characters."]
    return []


def duplicate_entry_problem(person_id: int, existing_person_ids: Iterable[int]) -> str | None:
    """One entry per person per sprint, whatever became of the earlier one (decided: someone
    rejected or withdrawn re-enters through a later sprint, so a decision is not re-run within
    the same cohort)."""
    if person_id in set(existing_person_ids):
        return "This person already has an entry in this sprint."
    return None


OUTSIDE_LINE = "You can nominate only people in your reporting line (direct or indirect)."


def nominator_problem(nominator_id: int, nominee_id: int,
                      nominee_manager_chain: Sequence[int]) -> str | None:
    """A nomination comes from the nominee's manager, direct or further up the line
    (`nominee_manager_chain` lists managers upwards, direct manager first)."""
    if nominator_id == nominee_id:
        return "You cannot nominate yourself; apply through an open application instead."
    if nominator_id not in nominee_manager_chain:
        return OUTSIDE_LINE
    return None


def nomination_problems(*, nominator_id: int, nominee_id: int,
                        nominee_manager_chain: Sequence[int], why: str,
                        existing_person_ids: Iterable[int]) -> list[str]:
    """Every reason a nomination is refused; empty when it may be recorded."""
    problems: list[str] = []
    duplicate = duplicate_entry_problem(nominee_id, existing_person_ids)
    if duplicate:
        problems.append(duplicate)
    chain = nominator_problem(nominator_id, nominee_id, nominee_manager_chain)
    if chain:
        problems.append(chain)
    problems.extend(why_problems(why))
    return problems


def application_entry_problems(*, person_id: int, text: str,
                               existing_person_ids: Iterable[int]) -> list[str]:
    """Every reason an open application is refused; empty when it may be recorded."""
    problems: list[str] = []
    duplicate = duplicate_entry_problem(person_id, existing_person_ids)
    if duplicate:
        problems.append(duplicate)
    problems.extend(application_problems(text))
    return problems

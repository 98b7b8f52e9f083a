"""The published policy files (COACHPROG_POLICY_DIR, default `policy/` in the project): read,
checked and kept for the app's lifetime.

Policy: both files must be valid or the app refuses to start, naming each problem as
`file:path: reason` (as with the rubrics). After the program packages have registered their
guards, `check_guards` refuses to start when a prohibited row names a guard no code registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from coachprog.policy import domain
from coachprog.policy.guards import registered_guards
from coachprog.policy.schema import PolicyInvalid, load_data_use, load_use_cases

USE_CASES_FILE = "use_cases.yaml"
DATA_USE_FILE = "data_use.yaml"
_EXTENSION_KEY = "coachprog.policy"


@dataclass(frozen=True)
class Policy:
    use_cases: domain.UseCaseMatrix
    data_use: domain.DataUsePolicy

    @property
    def versions(self) -> domain.PolicyVersions:
        return domain.PolicyVersions(self.use_cases.version, self.data_use.version)


class PolicyFilesInvalid(RuntimeError):  # noqa: N818 - carries the problems
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_policy(directory: Path) -> Policy:
    """Both documents from `directory`; raises PolicyFilesInvalid with every problem."""
    problems: list[str] = []
    loaded: dict[str, Any] = {}
    for name, loader in ((USE_CASES_FILE, load_use_cases), (DATA_USE_FILE, load_data_use)):
        path = directory / name
        shown = f"{directory.name}/{name}"
        if not path.is_file():
            problems.append(f"{shown}: the file is missing")
            continue
        try:
            loaded[name] = loader(path.read_bytes())
        except PolicyInvalid as invalid:
            problems.extend(f"{shown}:{where}: {reason}" for where, reason in invalid.problems)
    if problems:
        raise PolicyFilesInvalid(problems)
    return Policy(loaded[USE_CASES_FILE], loaded[DATA_USE_FILE])


def startup_check(app: Any) -> None:
    """Read the policy once at start and keep it on the app; refuse to start on a problem."""
    directory = Path(app.config["COACHPROG_POLICY_DIR"])
    try:
        app.extensions[_EXTENSION_KEY] = read_policy(directory)
    except PolicyFilesInvalid as invalid:
        raise RuntimeError("coachprog refuses to start: invalid policy file(s):\n"
                           f"{invalid}\nFix them (see the comments at the top of each file)."
                           ) from None


def unguarded_rows(policy: Policy) -> list[str]:
    """Prohibited rows whose guard no code registered (a typo, or a guard removed)."""
    known = registered_guards()
    return [f"{row.id}: guard {row.guard!r} is not registered by any code"
            for row in policy.use_cases.guarded() if row.guard not in known]


def check_guards(app: Any) -> None:
    problems = unguarded_rows(current_policy(app))
    if problems:
        raise RuntimeError("coachprog refuses to start: the use-case matrix names guards that "
                           "no code registers:\n" + "\n".join(problems))


def current_policy(app: Any = None) -> Policy:
    if app is None:
        app = current_app
    policy: Policy = app.extensions[_EXTENSION_KEY]
    return policy

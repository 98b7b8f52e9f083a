"""How the demo's made-up sessions went: mark profiles every story scores with, and the error a
story raises when the marks do not produce what the demo promises."""

from __future__ import annotations

from dataclasses import dataclass

from coachprog.rubrics.domain import Rubric, ScaleKind


class DemoMismatch(Exception):  # noqa: N818 - reads as what happened
    """The demo marks did not produce what the demo promises (a changed rubric, say)."""


@dataclass(frozen=True)
class MarkProfile:
    """How a made-up session went: `levels` cycle over the 1–5 behaviours; every
    `absent_every`-th other binary marker is absent (0: none); non-negotiables met or not."""

    levels: tuple[int, ...]
    absent_every: int = 0
    non_negotiables_met: bool = True

    def marks(self, rubric: Rubric, *, nudge: int = 0) -> tuple[dict[str, str], dict[str, str]]:
        """Raw form values and notes; `nudge` moves the first 1–5 mark up or down (a rater a
        level off gold)."""
        values: dict[str, str] = {}
        notes: dict[str, str] = {}
        level_index = other_index = 0
        for behaviour in rubric.behaviours:
            if behaviour.scale is ScaleKind.LEVELS:
                level = self.levels[level_index % len(self.levels)]
                if level_index == 0:
                    level = min(5, max(1, level + nudge))
                level_index += 1
                values[behaviour.id] = str(level)
                minute = 5 + 9 * level_index
                notes[behaviour.id] = f"Demo note: level {level}, heard at minute {minute}."
            elif behaviour.non_negotiable:
                met = self.non_negotiables_met
                values[behaviour.id] = "1" if met else "0"
            else:
                other_index += 1
                absent = self.absent_every and other_index % self.absent_every == 0
                values[behaviour.id] = "0" if absent else "1"
        return values, notes


STRONG = MarkProfile(levels=(4, 5, 4))
SOLID = MarkProfile(levels=(4, 4, 3))
MIXED = MarkProfile(levels=(3, 2, 3), absent_every=3)
WEAK = MarkProfile(levels=(2, 1, 2), absent_every=2, non_negotiables_met=False)

"""Home panels: what a domain shows on its readers' home page.

The registry lives down here so that a domain registers its panel source at app start (from its
hooks module) without importing `home`, which sits above every domain and collects them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coachprog.governance.domain import GroupCount


@dataclass
class Item:
    text: str
    link: str | None = None
    count: int | None = None
    level: str = "info"  # info | warn
    # Set on items a user may hide; it names the item as it stands, so a changed item returns.
    key: str | None = None


@dataclass
class Panel:
    title: str
    items: list[Item] = field(default_factory=list)
    groups: list[GroupCount] = field(default_factory=list)
    empty: str = "Nothing needs your attention here right now."


# A source returns its panel for the user, or None when it has nothing to say.
PanelSource = Callable[[Any], "Panel | None"]
_PANEL_SOURCES: list[PanelSource] = []


def register_panel_source(source: PanelSource) -> PanelSource:
    if source not in _PANEL_SOURCES:
        _PANEL_SOURCES.append(source)
    return source


def panel_sources() -> list[PanelSource]:
    return list(_PANEL_SOURCES)

"""The consent templates a coach may adopt in their paperwork: the consent texts admins maintain,
which a later domain (recordings) keeps and registers here, or a placeholder while none exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDER_CONSENT_VERSION = "placeholder-v0"


@dataclass(frozen=True)
class ConsentTemplate:
    """One version of the coachee confidentiality and data-use consent text."""

    version: str
    label: str
    placeholder: bool = False


# The consent texts live in a later domain (recordings), which registers a source here: each
# returns every text as (version, title, retired), newest first.
ConsentTextSource = Callable[[], list[tuple[str, str, bool]]]
_CONSENT_TEXT_SOURCES: list[ConsentTextSource] = []


def register_consent_text_source(source: ConsentTextSource) -> ConsentTextSource:
    if source not in _CONSENT_TEXT_SOURCES:
        _CONSENT_TEXT_SOURCES.append(source)
    return source


def consent_template_versions() -> list[ConsentTemplate]:
    """The consent texts a coach may adopt: the versions admins maintain (consent texts not
    retired), newest first. Only while no consent text exists at all does a placeholder stand
    in, so paperwork can be completed and switched to a real version later."""
    rows = [row for source in _CONSENT_TEXT_SOURCES for row in source()]
    if not rows:
        return [ConsentTemplate(
            PLACEHOLDER_CONSENT_VERSION,
            "Placeholder v0 — stands in until L&D adds the first consent text",
            placeholder=True)]
    return [ConsentTemplate(version, f"{version} — {title}")
            for version, title, retired in rows if not retired]


def consent_template(version: str | None) -> ConsentTemplate | None:
    if not version:
        return None
    known = {t.version: t for t in consent_template_versions()}
    return known.get(version, ConsentTemplate(version, f"{version} (no longer offered)"))

"""Demo practicum data for `flask seed`."""

from __future__ import annotations

from typing import Any


def seed_demo(actor: Any) -> bool:
    """Add this domain's demo data; running it again adds nothing. True when it added some."""
    return False

"""Who may see and change practicum ledgers."""

from __future__ import annotations

"""Who may see and act on supervision structure and audits."""

from __future__ import annotations

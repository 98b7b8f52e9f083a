"""Who may see and act on supervision, capstone briefs and gates."""

from __future__ import annotations

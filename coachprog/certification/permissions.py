"""Who may see and decide certifications."""

from __future__ import annotations

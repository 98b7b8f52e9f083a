"""Permission rules of the coaching domain (registered with the authority)."""

from __future__ import annotations

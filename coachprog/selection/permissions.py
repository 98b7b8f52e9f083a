"""Permission rules of the selection domain (registered with the authority)."""

from __future__ import annotations

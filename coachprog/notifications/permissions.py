"""Permission rules of the notifications domain (registered with the authority)."""

from __future__ import annotations

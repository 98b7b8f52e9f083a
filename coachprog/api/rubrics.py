"""/api/v1/rubrics resources."""

from __future__ import annotations

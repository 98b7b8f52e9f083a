"""/api/v1/assessments resources."""

from __future__ import annotations

"""Background jobs of recorded sessions (transcription)."""

from __future__ import annotations

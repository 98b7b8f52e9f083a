"""Who may see fidelity signals: the coach and their supervisors only."""

from __future__ import annotations

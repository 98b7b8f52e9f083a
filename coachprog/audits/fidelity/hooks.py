"""Registrations of the fidelity area with lower packages: the home page's drift-flag panel.
Imported by create_app."""

from __future__ import annotations

from coachprog.audits.fidelity.services import attention_panel
from coachprog.panels import register_panel_source

register_panel_source(attention_panel)

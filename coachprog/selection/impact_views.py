"""Adverse-impact monitoring pages (L&D only) and the candidate's demographic self-report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("selection_impact", __name__, url_prefix="/sprints")

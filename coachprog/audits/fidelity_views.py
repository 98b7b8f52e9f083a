"""Fidelity pages: a coach's signals over time, labelled as prompts for human review."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fidelity", __name__, url_prefix="/fidelity")

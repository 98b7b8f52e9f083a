"""Practicum pages: the hours ledger, progress and export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practicum", __name__, url_prefix="/practicum")

"""Audit pages: supervision structure, quarterly samples, audits, actions, coverage."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audits", __name__, url_prefix="/audits")

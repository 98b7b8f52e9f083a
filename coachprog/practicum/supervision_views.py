"""Supervision pages: the supervisor's queue, feedback, 1:1s, triads, capstone briefs, gates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

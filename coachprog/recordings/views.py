"""Pages of recorded sessions (recordings)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("recordings", __name__, url_prefix="/recordings")

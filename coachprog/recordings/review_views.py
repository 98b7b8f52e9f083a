"""Pages of recorded sessions (transcripts)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts")

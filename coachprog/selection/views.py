"""Selection sprint pages: sprints, the board, candidates, their evidence and the panel."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("selection", __name__, url_prefix="/sprints")

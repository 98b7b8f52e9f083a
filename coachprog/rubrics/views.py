"""Pages of the rubrics domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")

"""Pages of the calibration domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calibration", __name__, url_prefix="/calibration")

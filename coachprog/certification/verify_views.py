"""The public certificate verification page (no sign-in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")

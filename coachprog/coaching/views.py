"""Coaching relationships: appointed coaches' paperwork, engagements, evaluation relationships."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coaching", __name__, url_prefix="/coaching")

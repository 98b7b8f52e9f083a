"""Certification pages: a coach's criteria, decisions and certificates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certification", __name__, url_prefix="/certification")

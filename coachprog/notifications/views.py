"""The e-mail outbox page (development and audit of what was sent)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/admin/outbox")

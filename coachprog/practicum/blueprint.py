"""The practicum blueprint (/practicum). The ledger, capstone brief and peer-triad pages each
attach their routes to it from their own views module, so their endpoints stay `practicum.*`
(the names templates, tests and the menu use); `create_app` imports all three before it
registers the blueprint."""

from __future__ import annotations

from flask import Blueprint, current_app, flash
from flask_wtf import FlaskForm

from coachprog.errors import DomainError
from coachprog.web import no_store

bp = no_store(Blueprint("practicum", __name__, url_prefix="/practicum"))


def display_zone() -> str:
    """The time zone the practicum pages show times in."""
    return str(current_app.config.get("COACHPROG_DISPLAY_TIMEZONE") or "UTC")


def name_refusal(form: FlaskForm, error: DomainError) -> None:
    """Flash a refusal's message even when its problems sit beside fields: `carry_out` names it
    only when none does, and on these pages the message says what was not done ("The brief was
    not submitted"). Call it from the action, before re-raising."""
    if any(getattr(form, name, None) is not None for name in error.field_errors):
        flash(error.message, "error")

"""The home page: for each role, what needs the user's attention."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.home.services import attention_for, dismiss_item

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html", panels=attention_for(current_user),
                           dismiss_form=FlaskForm())


@bp.route("/home/dismiss", methods=["POST"])
@login_required
def dismiss() -> Any:
    """Hide one attention item; it comes back when what it says changes."""
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("The page had expired; nothing was hidden. Try again.", "error")
        return redirect(url_for("home.index"))
    try:
        dismiss_item(current_user, request.form.get("key", ""))
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("home.index"))
    db.session.commit()
    flash("Hidden. It comes back if what it says changes.", "success")
    return redirect(url_for("home.index"))

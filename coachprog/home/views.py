"""The home page: for each role, what needs the user's attention."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from coachprog.home.services import attention_for, dismiss_item
from coachprog.web import carry_out

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
    home = url_for("home.index")
    response = carry_out(FlaskForm(), lambda: dismiss_item(current_user,
                                                           request.form.get("key", "")),
                         done=home, refused=home,
                         success="Hidden. It comes back if what it says changes.")
    if response is None:
        flash("The page had expired; nothing was hidden. Try again.", "error")
        return redirect(home)
    return response

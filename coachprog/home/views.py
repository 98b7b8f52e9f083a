"""The home page: for each role, what needs the user's attention."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from coachprog.home.services import attention_for

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html", panels=attention_for(current_user))

"""Extensions created unbound; `create_app` binds them (Flask-Migrate: `runtime.migrations`)."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from coachprog.db import Base


def _client_ip() -> str:
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=_client_ip, default_limits=[])
talisman = Talisman()

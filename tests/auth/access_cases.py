"""Access matrix rows for account access: unlock, password-reset links (issue 19)."""

from __future__ import annotations

from typing import Any

from coachprog.auth.models import User
from coachprog.auth.services import issue_password_reset
from coachprog.authority import SystemActor
from coachprog.extensions import db
from tests.access import Case, statuses
from tests.factories import UserFactory


def _open_reset() -> dict[str, Any]:
    owner: User = UserFactory()
    link = issue_password_reset(SystemActor("test"), owner)
    db.session.commit()
    return {"reset_token": link.rsplit("/", 1)[1]}


CASES = [
    Case("auth.unlock_user", "POST", lambda o: f"/admin/users/{o['user_id']}/unlock",
         statuses(403, admin=302)),
    Case("auth.issue_password_reset", "POST",
         lambda o: f"/admin/users/{o['user_id']}/password-reset", statuses(403, admin=200)),
    # Public pages: anyone may open them; without SMTP (tests) asking is refused in words.
    Case("auth.forgot_password", "GET", lambda o: "/password/forgot",
         statuses(200, anonymous=200)),
    Case("auth.forgot_password", "POST", lambda o: "/password/forgot",
         statuses(400, anonymous=400)),
    # The link is the proof, whoever holds it; an empty form is refused in words (400).
    Case("auth.reset_password", "GET", lambda o: f"/password/reset/{o['reset_token']}",
         statuses(200, anonymous=200), setup=_open_reset),
    Case("auth.reset_password", "POST", lambda o: f"/password/reset/{o['reset_token']}",
         statuses(400, anonymous=400), setup=_open_reset),
]

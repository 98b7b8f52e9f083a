"""The fidelity pages through the Flask client: the coach and their supervisors only."""

from __future__ import annotations

import re
from typing import Any

from coachprog.audits.fidelity.models import FidelityDriftFlag
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.roles import Role
from tests.audits.fidelity.builders import coach_with_sessions
from tests.conftest import post_form
from tests.recordings.recording_builders import supervisor_of


def _setup(kinds: str = "LAA") -> tuple[Any, Any]:
    w = coach_with_sessions(kinds)
    supervisor = supervisor_of(w.coach)
    db.session.commit()
    return w, supervisor


def test_the_coach_sees_their_own_trend_as_a_prompt_not_a_score(client: Any, auth: Any) -> None:
    w, _ = _setup()
    auth.login(w.coach_user.email)
    index = client.get("/fidelity/")
    assert index.status_code == 302 and index.location.endswith(f"/fidelity/coaches/{w.coach.id}")
    page = client.get(f"/fidelity/coaches/{w.coach.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A prompt for human review, never a score" in html
    assert "<svg" in html and html.count("<rect") == 2  # the two flagged sessions
    # The axis is dated: the first, middle and last sessions' dates sit under it.
    dates = re.findall(r'class="chart-tick chart-date"[^>]*>([^<]+)<', html)
    assert len(dates) == 3 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
    assert dates == sorted(dates)
    assert "Open: worth a conversation" in html
    assert "Your supervisor resolves this flag" in html  # the coach cannot close it
    assert 'name="flag' not in html
    entry = db.session.query(AuditEntry).filter_by(action="fidelity.signals_viewed").one()
    assert entry.object_id == str(w.coach.id)


def test_a_coach_without_sessions_gets_an_explanation(client: Any, auth: Any) -> None:
    w = coach_with_sessions("")
    db.session.commit()
    auth.login(w.coach_user.email)
    html = client.get(f"/fidelity/coaches/{w.coach.id}").get_data(as_text=True)
    assert "No transcribed session yet" in html and "<svg" not in html


def test_the_supervisor_lists_and_resolves(client: Any, auth: Any) -> None:
    w, supervisor = _setup()
    auth.login(supervisor.email)
    index = client.get("/fidelity/")
    assert index.status_code == 200 and w.coach.name in index.get_data(as_text=True)
    page = client.get(f"/fidelity/coaches/{w.coach.id}").get_data(as_text=True)
    assert "Resolve flag" in page
    flag = db.session.query(FidelityDriftFlag).one()
    url = f"/fidelity/flags/{flag.id}/resolve"
    token_page = f"/fidelity/coaches/{w.coach.id}"
    bad = post_form(client, url, {f"flag{flag.id}-note": "  "}, token_page=token_page)
    assert bad.status_code == 400
    assert "Write a note" in bad.get_data(as_text=True)
    good = post_form(client, url, {f"flag{flag.id}-note": "Discussed; more open questions."},
                     token_page=token_page)
    assert good.status_code == 302
    db.session.expire_all()
    flag = db.session.get(FidelityDriftFlag, flag.id)
    assert flag is not None and flag.status == "resolved"
    html = client.get(token_page).get_data(as_text=True)
    assert "Discussed; more open questions." in html and "Resolved" in html
    again = post_form(client, url, {f"flag{flag.id}-note": "x"}, token_page=token_page)
    assert again.status_code == 302
    assert "already resolved" in client.get(token_page).get_data(as_text=True)


def test_others_are_refused(client: Any, auth: Any) -> None:
    w, _ = _setup()
    for roles in ((Role.ADMIN,), (Role.MASTER_COACH,), (Role.MANAGER,)):
        auth.login_as(*roles)
        assert client.get(f"/fidelity/coaches/{w.coach.id}").status_code == 403
        auth.logout()
    auth.login_as(Role.LEAD_COACH)
    assert client.get("/fidelity/coaches/999999").status_code == 404
    assert post_form(client, "/fidelity/flags/999999/resolve", {}).status_code == 404


def test_nav_link_only_for_those_who_may_see_signals(client: Any, auth: Any) -> None:
    auth.login_as(Role.COACH)
    assert 'href="/fidelity/"' in client.get("/account").get_data(as_text=True)
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert 'href="/fidelity/"' not in client.get("/account").get_data(as_text=True)


def test_home_page_points_the_supervisor_to_open_flags(client: Any, auth: Any) -> None:
    from coachprog.audits.fidelity import services as fidelity_services

    w, supervisor = _setup("AA")
    fidelity_services.refresh_coach(w.coach.id)
    db.session.commit()
    auth.login(supervisor.email)
    html = client.get("/").get_data(as_text=True)
    assert f"Fidelity drift flag for {w.coach.name}" in html
    auth.logout()
    auth.login_as(Role.LEAD_COACH)
    assert "Fidelity drift flag" not in client.get("/").get_data(as_text=True)


def test_a_transcript_without_speaker_labels_is_explained(client: Any, auth: Any) -> None:
    from datetime import date

    from tests.audits.fidelity.builders import transcribed_session

    w = coach_with_sessions("L")
    transcribed_session(w, [("unknown", "What is on your mind?"), ("unknown", "Work.")],
                        date(2026, 12, 1))
    db.session.commit()
    auth.login(w.coach_user.email)
    page = client.get(f"/fidelity/coaches/{w.coach.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "no segment labelled as the coach" in html and "no coach turns" in html

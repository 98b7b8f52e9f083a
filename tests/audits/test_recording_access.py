"""Auditors' access to recorded content: only the one session chosen for their open audit, on
the audit page, names replaced; never through the recordings pages (which name the coach),
never another coach's or the same coach's other sessions, nothing once decided. Escalation
flags as a sampling priority."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from coachprog.audits import actions, recording_access, services
from coachprog.audits.models import Audit
from coachprog.audits.sampling import services as sampling_services
from coachprog.auth.models import User
from coachprog.authority import can
from coachprog.errors import DomainError, NotPermitted
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import SensitiveFlag, TranscriptSegment
from coachprog.recordings.permissions import content_relation
from tests.audits.builders import ADMIN, auditor, full_marks
from tests.conftest import post_form
from tests.recordings.recording_builders import sample, session, stored_recording, world


def _named_segment(recording, text: str) -> None:
    db.session.add(TranscriptSegment(transcript_id=recording.transcript.id, position=1,
                                     start_seconds=5.0, end_seconds=9.0, text=text,
                                     speaker="coachee", confidence=0.9))
    db.session.flush()


def _setup(folder: Path) -> dict:
    """Two coaches with recorded sessions this quarter; one auditor; one coach sampled."""
    audio = sample()
    first, second = world(), world()
    recs = {}
    for key, w in (("a", first), ("b", second)):
        chosen = session(w.engagement, date(2026, 10, 20))
        other = session(w.engagement, date(2026, 11, 5))
        recs[key] = (stored_recording(chosen, w.consent, folder, source=audio),
                     stored_recording(other, w.consent, folder, source=audio))
        _named_segment(recs[key][0], f"Thanks Cora, I'm {w.coachee.name} by the way.")
    only = auditor()
    db.session.commit()
    drawn = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    audit = drawn.audits[0]
    mine = "a" if audit.coach_person_id == first.coach.id else "b"
    theirs = "b" if mine == "a" else "a"
    audited = first if mine == "a" else second
    db.session.commit()
    return {"audit": audit, "auditor": only, "chosen": recs[mine][0], "same_coach": recs[mine][1],
            "other_coach": recs[theirs][0], "coach_name": audited.coach.name,
            "coachee_name": audited.coachee.name, "coach": audited.coach}


def _audio(client, audit_id: int, recording_id: int) -> int:
    response = client.get(f"/audits/audits/{audit_id}/recordings/{recording_id}/audio")
    response.close()  # a streamed file stays open until closed
    return response.status_code


def test_auditor_opens_only_the_chosen_session(client, auth, clock, recordings_dir) -> None:
    s = _setup(recordings_dir)
    audit, user = s["audit"], s["auditor"]
    assert len(sampling_services.current_sample("2026Q4").audits) == 1
    auth.login(user.email)
    # Before a session is chosen: nothing opens, on the audit page or the recordings pages.
    assert _audio(client, audit.id, s["chosen"].id) == 403
    assert client.get(f"/recordings/{s['chosen'].id}").status_code == 403
    chose = post_form(client, f"/audits/audits/{audit.id}/session",
                      {"session_id": str(s["chosen"].session_id)})
    assert chose.status_code == 302
    assert _audio(client, audit.id, s["chosen"].id) == 200
    page = client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)
    assert f"Thanks Coach A-{audit.id:04d}, I&#39;m Client by the way." in page
    # The same coach's other session, another coach's session: refused, however asked for.
    assert _audio(client, audit.id, s["same_coach"].id) == 403
    assert _audio(client, audit.id, s["other_coach"].id) == 403
    for rec in (s["chosen"], s["same_coach"], s["other_coach"]):
        assert client.get(f"/recordings/{rec.id}").status_code == 403
        streamed = client.get(f"/recordings/{rec.id}/audio")
        streamed.close()
        assert streamed.status_code == 403
        assert client.get(f"/recordings/sessions/{rec.session_id}").status_code == 403
        assert content_relation(user, rec) is None
    # The choice is final: a second choice is refused and changes nothing.
    again = post_form(client, f"/audits/audits/{audit.id}/session",
                      {"session_id": str(s["same_coach"].session_id)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).session_id == s["chosen"].session_id
    opened = db.session.query(AuditEntry).filter_by(action="recording.transcript_opened").all()
    assert opened and all(e.detail.get("for") == "audit" for e in opened)
    # Deciding ends access.
    done = post_form(client, f"/audits/audits/{audit.id}", {
        "findings": "Held the coachee's agenda.", "outcome": "meets_standard",
        **{f"mark-{k}": v for k, v in full_marks().items()}})
    assert done.status_code == 302
    assert _audio(client, audit.id, s["chosen"].id) == 403
    assert "by the way" not in client.get(f"/audits/audits/{audit.id}").get_data(as_text=True)


def test_auditor_pages_never_name_the_coach(client, auth, clock, recordings_dir) -> None:
    s = _setup(recordings_dir)
    audit, user = s["audit"], s["auditor"]
    first = [s["coach_name"].split()[0], s["coachee_name"].split()[0]]
    names = re.compile(r"\b(" + "|".join([s["coach_name"], s["coachee_name"], *first]) + r")\b")
    auth.login(user.email)

    def pages() -> list[str]:
        return [client.get(url).get_data(as_text=True)
                for url in ("/", "/audits/mine", f"/audits/audits/{audit.id}")]

    for html in pages():  # before the choice
        assert not names.search(html)
    post_form(client, f"/audits/audits/{audit.id}/session",
              {"session_id": str(s["chosen"].session_id)})
    for html in pages():  # with the transcript shown
        assert not names.search(html)
    post_form(client, f"/audits/audits/{audit.id}", {
        "findings": "Advising crept in.", "outcome": "needs_development",
        **{f"mark-{k}": v for k, v in full_marks().items()}})
    # The coach, who owns the action, appears among the owners under the pseudonym only.
    coach_user = db.session.scalar(db.select(User).where(User.person_id == s["coach"].id))
    coach_user.display_name = s["coach_name"]  # an account's name is the person's name
    db.session.commit()
    owners = dict(actions.action_owner_choices(user, audit))
    assert owners[coach_user.id] == f"The coach (Coach A-{audit.id:04d})"
    post_form(client, f"/audits/audits/{audit.id}/actions", {
        "kind": "retraining", "owner_user_id": str(coach_user.id), "due_on": "2026-12-20"})
    home, listing, page = pages()  # decided, with an action
    assert f"Coach A-{audit.id:04d}" in listing and f"Coach A-{audit.id:04d}" in page
    assert "Retraining" in page and f"The coach (Coach A-{audit.id:04d})" in page
    for html in (home, listing, page):
        assert not names.search(html)


def test_consent_without_audit_scope_keeps_auditor_out(clock, tmp_path: Path) -> None:
    w = world(audit=False)
    recording = stored_recording(session(w.engagement, date(2026, 10, 20)), w.consent, tmp_path)
    only = auditor()
    drawn = sampling_services.draw(ADMIN, "2026Q4", seed=1)
    audit = drawn.audits[0]
    with pytest.raises(DomainError, match="does not cover audit"):
        services.choose_session(only, audit.id, recording.session_id)
    # Consent narrowed after the choice: nothing opens either.
    w.consent.scope_audit = True
    services.choose_session(only, audit.id, recording.session_id)
    assert can(only, "can_open_audit_recording", (audit, recording))
    w.consent.withdrawn_at = clock[0]
    assert not can(only, "can_open_audit_recording", (audit, recording))
    w.consent.withdrawn_at, w.consent.scope_audit = None, False
    assert not can(only, "can_open_audit_recording", (audit, recording))
    assert recording_access.audit_recordings(only, audit) == []


def test_session_choice_is_checked(clock, tmp_path: Path) -> None:
    w = world()
    old = session(w.engagement, date(2026, 6, 1))  # last quarter
    now = session(w.engagement, date(2026, 10, 1))
    only, other = auditor(), auditor()
    audit = sampling_services.draw(ADMIN, "2026Q4", seed=1).audits[0]
    assigned = only if audit.auditor_user_id == only.id else other
    bystander = other if assigned is only else only
    with pytest.raises(DomainError, match="from this quarter"):
        services.choose_session(assigned, audit.id, old.id)
    with pytest.raises(NotPermitted):
        services.choose_session(bystander, audit.id, now.id)
    services.choose_session(assigned, audit.id, now.id)
    with pytest.raises(DomainError, match="already chosen"):
        services.choose_session(assigned, audit.id, now.id)


def test_open_escalation_flag_raises_weight(clock, tmp_path: Path) -> None:
    w = world()
    recording = stored_recording(session(w.engagement), w.consent, tmp_path)
    db.session.add(SensitiveFlag(recording_id=recording.id, category="crisis", terms=["x"],
                                 segment_positions=[0], status="open"))
    db.session.flush()
    weights = {m.coach_id: m.weight for m in sampling_services.population_for("2026Q4")}
    assert weights[w.coach.id] == 4.0  # not recently audited x open escalation

"""The transcript pages through the Flask client: reading with search and the audio player,
corrections with their history, the exports, the flags page — and who may do what."""

from __future__ import annotations

import io

import sqlalchemy as sa
from docx import Document

from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.people.models import Person
from coachprog.recordings import permissions as recording_permissions
from coachprog.recordings.models import SegmentEdit, SensitiveFlag
from coachprog.roles import Role
from tests.conftest import post_form
from tests.factories import PersonFactory, UserFactory
from tests.recordings.recording_builders import supervisor_of
from tests.recordings.review.review_builders import (
    master_supervisor,
    open_flag,
    reviewed_recording,
)


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def _grand_manager(w) -> Person:
    """The manager of the coach's manager: in the coach's management chain."""
    grand = PersonFactory()
    manager = db.session.get(Person, w.coach.manager_id)
    assert manager is not None
    manager.manager_id = grand.id
    db.session.flush()
    return grand


def _login(auth, user) -> None:
    db.session.commit()
    auth.login(user.email)


# --- reading ----------------------------------------------------------------------------------


def test_coach_reads_the_transcript_beside_the_player_with_seekable_timestamps(client,
                                                                                auth) -> None:
    r = reviewed_recording()
    _login(auth, r.world.coach_user)
    response = client.get(f"/transcripts/{r.recording.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    audio = f"/recordings/{r.recording.id}/audio"
    assert f'id="transcript-player" controls preload="metadata" src="{audio}"' in page
    # 65 s is 01:05; the link works without JavaScript (media fragment), the script seeks.
    assert f'href="{audio}#t=65.0" data-start="65.00">01:05</a>' in page
    assert "00:00" in page and "My manager keeps bullying me in meetings." in page
    assert "js/transcript.js" in page and "<script>" not in page
    assert "Correct this segment" in page
    assert 'id="csrf_token"' not in page  # one token per segment form, no repeated id
    assert [e.actor_id for e in _audits("recording.transcript_opened")] == [
        r.world.coach_user.id]
    # The recording page links here now that the page exists.
    assert f"/transcripts/{r.recording.id}" in client.get(
        f"/recordings/{r.recording.id}").get_data(as_text=True)


def test_search_filters_and_highlights_case_insensitively(client, auth) -> None:
    r = reviewed_recording()
    _login(auth, r.world.coach_user)
    page = client.get(f"/transcripts/{r.recording.id}?q=ELI").get_data(as_text=True)
    assert "2 segments of 6 match “ELI”." in page
    assert "<mark>Eli</mark>, what would you like" in page
    assert "bullying me" not in page  # segments that do not match are left out
    none = client.get(f"/transcripts/{r.recording.id}?q=zebra").get_data(as_text=True)
    assert "0 segments of 6 match" in none and "Clear the search" in none
    # Markup in the query is text, never HTML.
    crafted = client.get(f"/transcripts/{r.recording.id}?q=<b>x").get_data(as_text=True)
    assert "<b>x" not in crafted and "&lt;b&gt;x" in crafted


def test_deleted_audio_keeps_the_transcript_readable_without_a_player(client, auth) -> None:
    r = reviewed_recording()
    r.recording.storage_name = None
    _login(auth, r.world.coach_user)
    page = client.get(f"/transcripts/{r.recording.id}").get_data(as_text=True)
    assert "The audio has been deleted" in page and "<audio" not in page
    assert '<span class="timestamp">01:05</span>' in page


def test_missing_recording_or_transcript_is_404(client, auth) -> None:
    r = reviewed_recording()
    db.session.delete(r.recording.transcript)
    _login(auth, r.world.coach_user)
    assert client.get(f"/transcripts/{r.recording.id}").status_code == 404
    assert client.get("/transcripts/999999").status_code == 404
    assert client.get("/transcripts/999999/export.txt").status_code == 404


def test_who_may_read_correct_and_export(client, auth, monkeypatch) -> None:
    r = reviewed_recording()
    w = r.world
    coachee_manager = PersonFactory()
    w.coachee.manager_id = coachee_manager.id
    auditor = UserFactory(roles=[Role.RATER])
    monkeypatch.setattr(recording_permissions, "AUDITOR_SOURCES",
                        [lambda coach_id: [auditor.id] if coach_id == w.coach.id else []])
    # A manager (here the manager's manager) who also supervises is still refused: coaching
    # is not surveillance.
    coach_manager = supervisor_of(w.coach, Role.LEAD_COACH, person_id=_grand_manager(w).id)
    people = {
        "coach": (w.coach_user, 200, 302),
        "supervisor": (supervisor_of(w.coach), 200, 302),
        "auditor": (auditor, 200, 403),
        "admin without relation": (UserFactory(roles=[Role.ADMIN]), 403, 403),
        "sponsor": (UserFactory(roles=[Role.SPONSOR]), 403, 403),
        "manager of the coach": (UserFactory(roles=[Role.MANAGER],
                                             person_id=w.coach.manager_id), 403, 403),
        "supervising manager of the coach": (coach_manager, 403, 403),
        "manager of the coachee": (UserFactory(roles=[Role.MANAGER, Role.COACH],
                                               person_id=coachee_manager.id), 403, 403),
        "coachee": (UserFactory(roles=[Role.COACH], person_id=w.coachee.id), 403, 403),
    }
    db.session.commit()
    segment = r.segments[2]
    for label, (user, read, edit) in people.items():
        auth.login(user.email)
        got = (client.get(f"/transcripts/{r.recording.id}").status_code,
               client.get(f"/transcripts/{r.recording.id}/export.txt").status_code,
               client.get(f"/transcripts/{r.recording.id}/export.docx").status_code,
               post_form(client, f"/transcripts/{r.recording.id}/segments/{segment.id}",
                         {"text": f"Edited by {label}", "speaker": "coachee"}).status_code)
        assert got == (read, read, read, edit), label
        if read == 200:
            page = client.get(f"/transcripts/{r.recording.id}").get_data(as_text=True)
            assert ("Correct this segment" in page) == (edit == 302), label
        auth.logout()
    readers = {w.coach_user.id, people["supervisor"][0].id, auditor.id}
    assert {e.actor_id for e in _audits("recording.transcript_opened")} == readers
    assert {e.actor_id for e in _audits("recording.transcript_exported")} == readers
    assert len(db.session.scalars(sa.select(SegmentEdit)).all()) == 2


# --- corrections -------------------------------------------------------------------------------


def test_correction_is_saved_with_its_history_and_an_audit_entry_without_text(client,
                                                                              auth) -> None:
    r = reviewed_recording()
    supervisor = supervisor_of(r.world.coach, display_name="Sam Supervisor")
    segment = r.segments[5]  # "speaker_2": a channel label stays choosable
    _login(auth, supervisor)
    url = f"/transcripts/{r.recording.id}/segments/{segment.id}"
    response = post_form(client, url, {"text": "  Background   noise in the hall. ",
                                       "speaker": "speaker_2"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/transcripts/{r.recording.id}"
                                                 f"#segment-{segment.id}")
    response = post_form(client, url, {"text": "Background noise in the hall.",
                                       "speaker": "unknown"})
    assert response.status_code == 302
    unchanged = post_form(client, url, {"text": "Background noise in the hall.",
                                        "speaker": "unknown"}, follow_redirects=True)
    assert "Nothing changed." in unchanged.get_data(as_text=True)
    edits = db.session.scalars(sa.select(SegmentEdit).order_by(SegmentEdit.id)).all()
    assert [(e.old_text, e.new_text, e.old_speaker, e.new_speaker, e.editor_id)
            for e in edits] == [
        ("Background noise from the hallway.", "Background noise in the hall.", "speaker_2",
         "speaker_2", supervisor.id),
        ("Background noise in the hall.", "Background noise in the hall.", "speaker_2",
         "unknown", supervisor.id)]
    entries = _audits("recording.transcript_edited")
    assert len(entries) == 2
    assert {k: entries[0].detail[k] for k in ("segment_id", "position", "text_changed",
                                              "old_speaker", "new_speaker")} == {
        "segment_id": segment.id, "position": 5, "text_changed": True,
        "old_speaker": "speaker_2", "new_speaker": "speaker_2"}
    assert "Background" not in str([e.detail for e in entries])
    page = client.get(f"/transcripts/{r.recording.id}").get_data(as_text=True)
    assert "Corrected 2 times" in page and "Sam Supervisor" in page
    assert "<del>Background noise from the hallway.</del>" in page
    assert "<ins>Background noise in the hall.</ins>" in page
    assert "speaker speaker_2 → unknown" in page
    # Once relabelled, the channel label is no longer offered.
    assert '<option value="speaker_2"' not in page


def test_bad_corrections_are_refused_next_to_the_field_and_nothing_is_lost(client,
                                                                          auth) -> None:
    r = reviewed_recording()
    segment = r.segments[1]
    _login(auth, r.world.coach_user)
    url = f"/transcripts/{r.recording.id}/segments/{segment.id}"
    empty = post_form(client, url, {"text": "   ", "speaker": "coach"})
    assert empty.status_code == 400
    assert "Write what was said; a segment cannot be empty." in empty.get_data(as_text=True)
    long = post_form(client, url, {"text": "word " * 500, "speaker": "coach"})
    assert long.status_code == 400 and "at most 2000 characters" in long.get_data(as_text=True)
    speaker = post_form(client, url, {"text": "Kept words", "speaker": "the boss"})
    page = speaker.get_data(as_text=True)
    assert speaker.status_code == 400 and "Choose coach, coachee, unknown" in page
    assert "Kept words</textarea>" in page and 'aria-invalid="true"' in page
    other = reviewed_recording()
    wrong = post_form(client, f"/transcripts/{r.recording.id}/segments/{other.segments[1].id}",
                      {"text": "x", "speaker": "coach"})
    assert wrong.status_code == 404
    assert post_form(client, f"/transcripts/{r.recording.id}/segments/999999",
                     {"text": "x", "speaker": "coach"}).status_code == 404
    expired = client.post(url, data={"text": "x", "speaker": "coach"})  # no CSRF token
    assert expired.status_code == 400
    db.session.expire_all()
    assert segment.text == "Eli, what would you like to talk about today?"
    assert db.session.scalars(sa.select(SegmentEdit)).all() == []


def test_a_correction_that_adds_sensitive_words_raises_a_flag(client, auth) -> None:
    r = reviewed_recording()
    _login(auth, r.world.coach_user)
    post_form(client, f"/transcripts/{r.recording.id}/segments/{r.segments[5].id}",
              {"text": "They said they would file a lawsuit.", "speaker": "coachee"})
    flags = db.session.scalars(sa.select(SensitiveFlag)).all()
    # The whole transcript is matched again: what was already there is flagged too.
    assert sorted((f.category, f.terms, f.segment_positions) for f in flags) == [
        ("harassment", ["bullying"], [2]), ("legal_risk", ["lawsuit"], [5]),
        ("mental_health_crisis", ["can't go on"], [3])]


# --- export --------------------------------------------------------------------------------------


EXPECTED_TURNS = [
    "[00:00] Coach: And so my fellow Americans Client, what would you like to talk about today?",
    "[00:09] Client: My manager keeps bullying me in meetings. Honestly I feel like I can't go "
    "on like this.",
    "[01:05] Coach: That sounds hard, Client. What support do you have?",
    "[01:10] Speaker 2: Background noise from the hallway.",
]


def test_text_export_in_the_icf_layout_with_the_coachee_redacted(client, auth) -> None:
    r = reviewed_recording()
    _login(auth, r.world.coach_user)
    response = client.get(f"/transcripts/{r.recording.id}/export.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="transcript-recording-{r.recording.id}.txt"')
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    assert "Eli" not in text and "Coachee" not in text
    lines = text.splitlines()
    assert f"Recording: {r.recording.id}" in lines
    assert "Session date: 2025-05-02" in lines and "Coach: Cora Coach" in lines
    assert "Duration: 45 minutes (recording 00:11)" in lines
    assert lines[-4:] == EXPECTED_TURNS
    entry = _audits("recording.transcript_exported")[0]
    assert (entry.detail["format"], entry.detail["turns"]) == ("txt", 4)


def test_docx_export_opens_in_word_with_the_same_content(client, auth) -> None:
    r = reviewed_recording()
    _login(auth, r.world.coach_user)
    response = client.get(f"/transcripts/{r.recording.id}/export.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(response.get_data()))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Coaching session transcript (ICF performance evaluation)"
    assert paragraphs[-4:] == EXPECTED_TURNS
    assert not any("Eli" in p for p in paragraphs)


# --- sensitive-topic flags --------------------------------------------------------------------


def test_master_coach_supervisor_sees_and_closes_flags(client, auth) -> None:
    r = reviewed_recording()
    flag = open_flag(r.recording)
    master = master_supervisor(r.world.coach.id)
    lead = supervisor_of(r.world.coach, Role.LEAD_COACH)
    unrelated_master = UserFactory(roles=[Role.MASTER_COACH])
    _login(auth, lead)
    assert client.get("/transcripts/flags").status_code == 403
    auth.logout()
    auth.login(unrelated_master.email)
    page = client.get("/transcripts/flags").get_data(as_text=True)
    assert "No open flags" in page and "bullying" not in page
    assert post_form(client, f"/transcripts/flags/{flag.id}/review",
                     {"note": "not mine"}).status_code == 403
    auth.logout()
    auth.login(master.email)
    page = client.get("/transcripts/flags").get_data(as_text=True)
    assert "Harassment" in page and "My manager keeps bullying me in meetings." in page
    assert "matched: bullying" in page
    assert _audits("recording.sensitive_flags_viewed")[0].actor_id == master.id
    empty = post_form(client, f"/transcripts/flags/{flag.id}/review", {"note": "  "})
    assert empty.status_code == 400
    assert "Write a short note before closing the flag." in empty.get_data(as_text=True)
    done = post_form(client, f"/transcripts/flags/{flag.id}/review",
                     {"note": "Talked it through in supervision."}, follow_redirects=True)
    assert "Flag marked reviewed." in done.get_data(as_text=True)
    db.session.expire_all()
    assert (flag.status, flag.review_note, flag.reviewed_by_id) == (
        "reviewed", "Talked it through in supervision.", master.id)
    again = post_form(client, f"/transcripts/flags/{flag.id}/review", {"note": "again"},
                      follow_redirects=True)
    assert "This flag was already reviewed." in again.get_data(as_text=True)
    assert post_form(client, "/transcripts/flags/999999/review",
                     {"note": "x"}).status_code == 404
    assert "No open flags" in client.get("/transcripts/flags").get_data(as_text=True)


def test_flags_never_reach_managers_sponsors_or_admins(client, auth) -> None:
    r = reviewed_recording()
    flag = open_flag(r.recording)
    # A master coach who supervises but manages the coach is refused like any manager.
    managing_master = master_supervisor(r.world.coach.id,
                                        person_id=_grand_manager(r.world).id)
    others = [managing_master, UserFactory(roles=[Role.ADMIN]),
              UserFactory(roles=[Role.SPONSOR]),
              UserFactory(roles=[Role.MANAGER], person_id=r.world.coach.manager_id)]
    db.session.commit()
    for user in others:
        auth.login(user.email)
        listing = client.get("/transcripts/flags")
        assert "bullying" not in listing.get_data(as_text=True)
        assert post_form(client, f"/transcripts/flags/{flag.id}/review",
                         {"note": "x"}).status_code == 403
        auth.logout()

"""Citing transcript moments as the evidence for marks: scoring page, service rules, the
result page's replayable moments, and who may see their words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coachprog.assessments import services
from coachprog.assessments.models import Assessment, Mark, RaterAssignment
from coachprog.auth.models import User
from coachprog.coaching.models import SupervisorAssignment
from coachprog.db import utcnow
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance.models import AuditEntry
from coachprog.recordings.models import MarkCitation, Recording, TranscriptSegment
from coachprog.recordings.retention import purge
from coachprog.recordings.review import citations
from coachprog.roles import Role
from tests.assessments.builders import HIGH, assessment, rater
from tests.conftest import Auth, post_form
from tests.recordings.recording_builders import session, stored_recording, world


@dataclass
class Scene:
    recording: Recording
    segments: list[TranscriptSegment]
    rater: User
    assessment: Assessment
    assignment: RaterAssignment


def _segments(recording: Recording) -> list[TranscriptSegment]:
    transcript = recording.transcript
    assert transcript is not None
    for position, (start, speaker, text) in enumerate(
            [(65.2, "coachee", "I keep putting off the difficult conversation with my team"),
             (130.0, "coach", "What would happen if you had it tomorrow?")], start=1):
        db.session.add(TranscriptSegment(transcript_id=transcript.id, position=position,
                                         start_seconds=start, end_seconds=start + 5,
                                         text=text, speaker=speaker))
    db.session.flush()
    db.session.refresh(transcript)
    return sorted(transcript.segments, key=lambda s: s.position)


def _scene(folder: Path, *, supervising: bool = True, raters: int = 1) -> Scene:
    w = world()
    assert w.consent is not None
    recording = stored_recording(session(w.engagement), w.consent, folder)
    segments = _segments(recording)
    scorer = rater(Role.LEAD_COACH)
    if supervising:
        db.session.add(SupervisorAssignment(coach_person_id=w.coach.id,
                                            supervisor_user_id=scorer.id))
    others = [rater(Role.LEAD_COACH) for _ in range(raters - 1)]
    row = assessment(raters=[scorer, *others])
    row.evidence.recording_id = recording.id
    db.session.flush()
    assignment = next(a for a in row.assignments if a.rater_id == scorer.id)
    return Scene(recording, segments, scorer, row, assignment)


def _cited() -> set[tuple[str, int]]:
    rows = db.session.execute(sa.select(Mark.behaviour_id, MarkCitation.segment_id)
                              .join(Mark, Mark.id == MarkCitation.mark_id)).all()
    return {(b, s) for b, s in rows}


def _sign_in(auth: Auth, user: User) -> None:
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "shown"), [(0, "00:00"), (65.9, "01:05"), (3725, "62:05"),
                                                (-3, "00:00")])
def test_clock_shows_minutes_and_seconds(seconds: float, shown: str) -> None:
    assert citations.clock(seconds) == shown


def test_a_moment_is_named_by_time_speaker_and_first_words() -> None:
    moment = citations.Moment(1, 65.24, "coach", "one two three four five six seven eight nine")
    assert moment.label == "[01:05] coach: one two three four five six seven eight …"
    assert moment.fragment_seconds == "65.2"


def test_posted_segment_ids_must_be_numbers() -> None:
    assert citations.parse_segment_ids({"reflects": ["3", "4"], "silence": []}) == {
        "reflects": [3, 4], "silence": []}
    with pytest.raises(DomainError) as refused:
        citations.parse_segment_ids({"reflects": ["x"]})
    assert "reflects" in refused.value.field_errors


# --- the service ---------------------------------------------------------------------------------


def test_a_draft_stores_citations_and_a_later_save_replaces_them(recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    first, second, third = (seg.id for seg in s.segments)
    services.save_marks(s.rater, s.assignment, {"reflects": "4"}, {},
                        submit=False, citations={"reflects": [first, second]})
    assert _cited() == {("reflects", first), ("reflects", second)}
    assert citations.citations_of(s.assignment)["reflects"] == [first, second]
    services.save_marks(s.rater, s.assignment, {"reflects": "4"}, {}, submit=False,
                        citations={"reflects": [third], "silence": [first]})
    assert _cited() == {("reflects", third), ("silence", first)}
    # None leaves them alone; an empty list clears that behaviour's citations.
    services.save_marks(s.rater, s.assignment, {"reflects": "3"}, {}, submit=False)
    assert _cited() == {("reflects", third), ("silence", first)}
    services.save_marks(s.rater, s.assignment, {"reflects": "3"}, {}, submit=False,
                        citations={"reflects": [], "silence": [first]})
    assert _cited() == {("silence", first)}
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "assessment.moments_cited")).first()
    assert entry is not None and entry.detail["recording_id"] == s.recording.id


def test_submitting_stores_citations_with_the_marks(recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"no-advice": [s.segments[2].id]})
    assert s.assignment.status == "submitted"
    assert _cited() == {("no-advice", s.segments[2].id)}


def test_segments_of_another_transcript_are_refused(recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    elsewhere = _scene(recordings_dir)
    with pytest.raises(DomainError) as refused:
        services.save_marks(s.rater, s.assignment, {"reflects": "4"}, {}, submit=False,
                            citations={"reflects": [s.segments[0].id,
                                                    elsewhere.segments[0].id]})
    assert "not in this session's transcript" in refused.value.message
    assert refused.value.field_errors == {
        "reflects": ["Cite only moments of this session's transcript."]}


def test_a_rater_who_may_not_open_the_recording_cannot_cite_it(recordings_dir: Path) -> None:
    s = _scene(recordings_dir, supervising=False)
    with pytest.raises(DomainError) as refused:
        services.save_marks(s.rater, s.assignment, {"reflects": "4"}, {}, submit=False,
                            citations={"reflects": [s.segments[0].id]})
    assert "may not open this recording" in refused.value.message
    assert citations.scoring_transcript(s.rater, s.assessment) is None


def test_evidence_without_a_recording_has_nothing_to_cite(recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    s.assessment.evidence.recording_id = None
    db.session.flush()
    with pytest.raises(DomainError, match="no transcript to cite"):
        services.save_marks(s.rater, s.assignment, {"reflects": "4"}, {}, submit=False,
                            citations={"reflects": [s.segments[0].id]})


def test_deleting_the_transcript_removes_its_citations_but_keeps_the_marks(
        recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"reflects": [s.segments[0].id, s.segments[1].id]})
    assert len(_cited()) == 2
    purge.delete_transcript(s.recording)
    assert _cited() == set()
    assert {m.behaviour_id for m in db.session.scalars(sa.select(Mark))} == set(HIGH)


# --- the pages ----------------------------------------------------------------------------------


def test_scoring_page_shows_the_transcript_and_saves_citations(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    _sign_in(auth, s.rater)
    url = f"/assessments/assignments/{s.assignment.id}"
    page = _text(client.get(url))
    assert "Session transcript" in page
    assert f'/recordings/{s.recording.id}/audio#t=65.2' in page
    assert "I keep putting off the difficult conversation with my team" in page
    assert f'name="cite-reflects" value="{s.segments[1].id}"' in page
    assert "[02:10] coach: What would happen if you had it tomorrow?" in page
    response = post_form(client, url, {"mark-reflects": "4", "save": "Save draft",
                                       "cites-shown": "1",
                                       "cite-reflects": [str(s.segments[1].id),
                                                         str(s.segments[2].id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert _cited() == {("reflects", s.segments[1].id), ("reflects", s.segments[2].id)}
    page = _text(client.get(url))
    assert f'value="{s.segments[1].id}"\n    checked' in page
    # Submitting with nothing ticked clears them (the form showed the transcript).
    response = post_form(client, url, {**{f"mark-{k}": v for k, v in HIGH.items()},
                                       "cites-shown": "1", "submit": "Submit"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _cited() == set()


def test_scoring_page_refuses_a_foreign_segment_and_keeps_the_input(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    elsewhere = _scene(recordings_dir)
    _sign_in(auth, s.rater)
    url = f"/assessments/assignments/{s.assignment.id}"
    response = post_form(client, url, {"mark-reflects": "4", "save": "Save draft",
                                       "cites-shown": "1",
                                       "cite-reflects": [str(elsewhere.segments[0].id)]})
    assert response.status_code == 400
    assert "Some cited moments are not in this session&#39;s transcript." in _text(response)
    response = post_form(client, url, {"mark-reflects": "4", "save": "Save draft",
                                       "cites-shown": "1", "cite-reflects": ["nope"]})
    assert response.status_code == 400
    db.session.expire_all()
    assert _cited() == set()


def test_a_rater_without_access_scores_without_the_transcript(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir, supervising=False)
    _sign_in(auth, s.rater)
    url = f"/assessments/assignments/{s.assignment.id}"
    page = _text(client.get(url))
    assert "Session transcript" not in page
    assert "difficult conversation" not in page
    assert 'name="cite-' not in page
    # A hand-made post is refused by the service, not stored.
    response = post_form(client, url, {"mark-reflects": "4", "save": "Save draft",
                                       "cites-shown": "1",
                                       "cite-reflects": [str(s.segments[0].id)]})
    assert response.status_code == 400
    assert "you cannot cite it" in _text(response)
    db.session.expire_all()
    assert _cited() == set()


def test_result_page_lists_moments_with_play_links_for_a_permitted_viewer(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"reflects": [s.segments[1].id]})
    _sign_in(auth, s.rater)
    page = _text(client.get(f"/assessments/{s.assessment.id}"))
    assert "Cited moments" in page
    assert f'href="/recordings/{s.recording.id}/audio#t=65.2"' in page
    assert "coachee: I keep putting off the difficult conversation with my team" in page
    viewed = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "recording.citations_viewed")).all()
    assert [e.object_id for e in viewed] == [str(s.recording.id)]


def test_result_page_shows_an_admin_without_relation_only_how_many(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"reflects": [s.segments[1].id, s.segments[2].id]})
    db.session.commit()
    auth.login_as(Role.ADMIN)
    page = _text(client.get(f"/assessments/{s.assessment.id}"))
    assert "Cited moments" in page
    assert "2 moments cited" in page
    assert "difficult conversation" not in page
    assert "/audio#t=" not in page


def test_citations_stay_hidden_with_the_marks_until_the_other_rater_submits(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir, raters=2)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"reflects": [s.segments[1].id]})
    other = next(a for a in s.assessment.assignments if a.rater_id != s.rater.id)
    db.session.add(SupervisorAssignment(
        coach_person_id=s.recording.session.engagement.coach_person_id,
        supervisor_user_id=other.rater_id))
    _sign_in(auth, other.rater)
    page = _text(client.get(f"/assessments/{s.assessment.id}"))
    assert "Cited moments" not in page
    assert "difficult conversation" not in page
    # Once they submit, the first rater's marks, and so their cited moments, are theirs to see.
    db.session.expire_all()
    again = db.session.get(RaterAssignment, other.id)
    assert again is not None
    services.save_marks(again.rater, again, HIGH, {}, submit=True)
    db.session.commit()
    page = _text(client.get(f"/assessments/{s.assessment.id}"))
    assert "Cited moments" in page
    assert "I keep putting off the difficult conversation" in page


def test_after_withdrawal_the_result_page_shows_no_words(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    s = _scene(recordings_dir)
    services.save_marks(s.rater, s.assignment, HIGH, {}, submit=True,
                        citations={"reflects": [s.segments[1].id]})
    s.recording.consent.withdrawn_at = utcnow()  # the purge is on its way: nobody opens it
    _sign_in(auth, s.rater)
    page = _text(client.get(f"/assessments/{s.assessment.id}"))
    assert "1 moment cited" in page
    assert "difficult conversation" not in page

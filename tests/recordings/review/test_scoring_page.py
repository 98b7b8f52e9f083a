"""The scoring page shows what is scored beside the rubric (issue 21): the recorded session's
player and transcript (times that seek the player), and the evidence documents, to the
assigned rater only, with nothing that names the coach or coachee on a blind assessment — in
the HTML, the JSON and the files; where there is nothing to hear or read, it says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from coachprog.assessments import evidence as assessment_evidence
from coachprog.assessments import services
from coachprog.assessments.models import Assessment
from coachprog.auth.models import User
from coachprog.authority import SystemActor
from coachprog.extensions import db
from coachprog.recordings.models import Recording
from coachprog.recordings.review import citations
from coachprog.roles import Role
from tests.assessments.builders import rater, rubric_version, subject_person
from tests.conftest import Auth
from tests.recordings.recording_builders import (
    World,
    supervisor_of,
    world,
)
from tests.recordings.review.review_builders import NAMED, recording_naming_them

NOTES = b"Cora Coach's own notes on the session with Eli Coachee."
FILE_NAME = "Cora-Coach-session-notes.txt"


def _scene(folder: Path, *, blind: bool = True, recorded: bool = True,
           transcribed: bool = True) -> tuple[World, Recording | None, Assessment, User]:
    """A session-review assessment of Cora Coach's recorded session with her notes as the
    evidence document, and a rater with no relation to her assigned."""
    w = world()
    recording = recording_naming_them(w, folder, transcribed=transcribed) if recorded else None
    version = rubric_version()
    actor = SystemActor("tests")
    item = assessment_evidence.create_evidence_item(
        actor, title="Recorded session of Cora Coach", description="Cora's third session.",
        subject_employee_id=w.coach.employee_id,
        recording_id=recording.id if recording else None,
        attachment=assessment_evidence.Upload(FILE_NAME, io.BytesIO(NOTES)))
    row = services.create_assessment(actor, evidence_item_id=item.id,
                                     rubric_version_id=version.id, title="Session review",
                                     blind=blind)
    stranger = rater()
    services.assign_rater(actor, row, stranger.id)
    db.session.commit()
    return w, recording, row, stranger


def _page(client: FlaskClient, auth: Auth, user: User, row: Assessment) -> str:
    assignment = next(a for a in row.assignments if a.rater_id == user.id)
    assert auth.login(user.email).status_code == 302
    response = client.get(f"/assessments/assignments/{assignment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _leaks(text: str, w: World) -> list[str]:
    words = [w.coach.name, w.coachee.name, "Cora", "Eli", w.coach.employee_id,
             w.coach.email, FILE_NAME, "session.flac"]
    return [word for word in words if word and word in text]


def test_the_blind_rater_has_the_recording_transcript_and_documents_beside_the_rubric(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    w, recording, row, stranger = _scene(recordings_dir)
    assert recording is not None
    page = _page(client, auth, stranger, row)
    # Beside the rubric: the material first, the marking form second, in one layout.
    layout = page.index('class="scoring-layout"')
    assert layout < page.index('id="scoring-material"') < page.index('class="scoring"')
    # The player streams through the permission-checked, audited route.
    assert f'src="/recordings/{recording.id}/audio"' in page
    # The transcript, names replaced, each time seeking the player.
    assert "Client, tell me what Coach said last week." in page
    assert 'data-seek="5.0"' in page and "[00:05]" in page
    assert "/static/js/citations.js" in page
    # The evidence document, through the permission-checked download.
    assert f'href="/assessments/{row.id}/attachment"' in page
    assert "Download the evidence document" in page
    assert _leaks(page, w) == []
    assert "Recorded session of Cora Coach" not in page
    # The document itself comes under a neutral name.
    with client.get(f"/assessments/{row.id}/attachment") as download:
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        assert disposition.endswith(f"evidence-{row.id}.txt")
        assert "Cora" not in disposition
        assert download.get_data() == NOTES
    # The audio: the tag-free copy under a neutral name.
    with client.get(f"/recordings/{recording.id}/audio") as audio:
        assert audio.status_code == 200
        assert audio.headers["Content-Disposition"].endswith(f"recording-{recording.id}.wav")
        audio.get_data()
    # The assessment's own page names nobody either.
    overview = client.get(f"/assessments/{row.id}")
    assert overview.status_code == 200 and _leaks(overview.get_data(as_text=True), w) == []


def test_the_api_gives_the_blind_rater_no_names(client: FlaskClient, auth: Auth,
                                                recordings_dir: Path) -> None:
    from coachprog.auth import services as auth_services

    w, _recording, row, stranger = _scene(recordings_dir)
    _token, secret = auth_services.create_api_token(SystemActor("tests"), stranger,
                                                    name="test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    for url in ("/api/v1/assessments", f"/api/v1/assessments/{row.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert _leaks(response.get_data(as_text=True), w) == [], url


@pytest.mark.parametrize("who", ["other_rater", "supervisor", "coach"])
def test_nobody_but_the_assigned_rater_opens_the_scoring_page(
        client: FlaskClient, auth: Auth, recordings_dir: Path, who: str) -> None:
    w, recording, row, _stranger = _scene(recordings_dir)
    assert recording is not None
    assignment = row.assignments[0]
    user = {"other_rater": lambda: rater(),
            "supervisor": lambda: supervisor_of(w.coach, Role.LEAD_COACH),
            "coach": lambda: w.coach_user}[who]()
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    response = client.get(f"/assessments/assignments/{assignment.id}")
    assert response.status_code in (403, 404)
    text = response.get_data(as_text=True)
    assert "Client, tell me what Coach said" not in text and NAMED not in text
    if who == "other_rater":
        # A rater of nothing here hears nothing either.
        assert client.get(f"/recordings/{recording.id}/audio").status_code in (403, 404)
        assert client.get(f"/assessments/{row.id}/attachment").status_code in (403, 404)


def test_evidence_without_a_recording_says_so(client: FlaskClient, auth: Auth,
                                              recordings_dir: Path) -> None:
    _w, _recording, row, stranger = _scene(recordings_dir, recorded=False)
    page = _page(client, auth, stranger, row)
    assert citations.NO_RECORDING in page
    assert "<audio" not in page and "citations.js" not in page
    assert "Download the evidence document" in page


def test_a_recording_not_yet_transcribed_plays_and_says_there_is_no_transcript(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    _w, recording, row, stranger = _scene(recordings_dir, transcribed=False)
    assert recording is not None
    page = _page(client, auth, stranger, row)
    assert f'src="/recordings/{recording.id}/audio"' in page
    assert "has no transcript yet" in page
    assert "Session transcript" not in page


def test_a_rater_who_may_not_open_a_non_blind_recording_is_told_why(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    _w, _recording, row, stranger = _scene(recordings_dir, blind=False)
    page = _page(client, auth, stranger, row)
    assert "You may not hear this recording or read its transcript" in page
    assert "<audio" not in page and NAMED not in page


def test_a_document_only_evidence_without_files_says_none_are_attached(
        client: FlaskClient, auth: Auth) -> None:
    version = rubric_version()
    actor = SystemActor("tests")
    item = assessment_evidence.create_evidence_item(actor, title="Interview notes",
                                         subject_employee_id=subject_person().employee_id)
    row = services.create_assessment(actor, evidence_item_id=item.id,
                                     rubric_version_id=version.id, title="Interview",
                                     blind=False)
    stranger = rater()
    services.assign_rater(actor, row, stranger.id)
    db.session.commit()
    page = _page(client, auth, stranger, row)
    assert "No documents are attached to this evidence." in page
    assert "This evidence has no recorded session" in page


def test_once_the_blind_assessment_closes_the_page_says_why_the_recording_is_gone(
        client: FlaskClient, auth: Auth, recordings_dir: Path) -> None:
    _w, recording, row, stranger = _scene(recordings_dir)
    row.status = "closed"
    db.session.commit()
    page = _page(client, auth, stranger, row)
    assert citations.BLIND_CLOSED in page
    assert "<audio" not in page and "Client, tell me" not in page
    assert recording is not None
    assert client.get(f"/recordings/{recording.id}/audio").status_code in (403, 404)

"""Pages of recorded sessions: the list of sessions, a new session, a session with its upload
form, a recording with its transcription state, the audio stream (HTTP Range), the JSON status
the recording page polls, retry, and the admins' supervisor assignments."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.recordings import services, supervision
from coachprog.recordings.forms import (
    RetryForm,
    SessionForm,
    SupervisorForm,
    UnassignForm,
    UploadForm,
)
from coachprog.recordings.models import CoachingSession, Recording
from coachprog.recordings.streaming import audio_response
from coachprog.web import (
    Pagination,
    apply_domain_error,
    authorize,
    carry_out,
    no_store,
    page_window,
    search_arg,
)

bp = no_store(Blueprint("recordings", __name__, url_prefix="/recordings"))

# Room for the multipart envelope around the largest allowed recording.
_ENVELOPE = 1024 * 1024


@bp.url_value_preprocessor
def _recording_upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # CSRF protection reads the form in the app's first before_request hook, under the app's
    # small import limit; URL value preprocessors run before it, so the recordings' own
    # limit is set here, for their upload only.
    # Only signed-in users who may upload get the large limit: nobody else can make the
    # server read hundreds of megabytes before being refused.
    if endpoint == "recordings.view_session" and request.method == "POST" and \
            can(current_user, "can_upload_recording"):
        request.max_content_length = services.max_upload_bytes() + _ENVELOPE


@bp.route("/")
@login_required
def list_recordings() -> Any:
    return render_template("recordings/list.html", overview=services.overview(current_user))


@bp.route("/engagements/<int:engagement_id>/sessions/new", methods=["GET", "POST"])
@login_required
def create_session(engagement_id: int) -> Any:
    engagement = services.get_engagement(current_user, engagement_id)
    authorize("can_upload_recording", services.engagement_target(engagement))
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = services.create_session(
                current_user, engagement_id, session_date=form.session_date.data,
                duration_minutes=form.duration_minutes.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash("Session recorded. Upload its recording here.", "success")
            return redirect(url_for("recordings.view_session", session_id=session.id))
    elif form.errors.get("session_date"):
        form.session_date.errors = ["Give the date as YYYY-MM-DD."]
    status = 400 if request.method == "POST" else 200
    return render_template("recordings/session_new.html", form=form,
                           engagement=engagement), status


def _render_session(session: CoachingSession, form: UploadForm | None = None,
                    status: int = 200) -> Any:
    return render_template(
        "recordings/session.html", session=session, form=form or UploadForm(formdata=None),
        ended_refusal=services.ended_refusal(session),
        upload_refusal=services.upload_refusal(session),
        transcription_refusal=services.transcription_refusal(session),
        consent=services.current_consent(session.engagement_id),
        max_mb=services.max_upload_bytes() // (1024 * 1024)), status


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def view_session(session_id: int) -> Any:
    session = services.get_session(current_user, session_id)
    if request.method == "GET":
        return _render_session(session)
    authorize("can_upload_recording", session)
    form = UploadForm()

    def upload() -> Recording:
        file = form.file.data
        try:
            return services.upload_recording(
                current_user, session,
                services.Upload(file.filename or "", file.stream) if file
                else services.Upload("", io.BytesIO()))
        except DomainError as error:
            if error.field_errors:
                raise
            # A refusal of the upload as a whole is said beside the file field.
            raise DomainError(error.message, field_errors={"file": [error.message]}) from error

    done = carry_out(form, upload, success="Recording uploaded.",
                     done=lambda recording: url_for("recordings.view_recording",
                                                    recording_id=recording.id))
    return done or _render_session(session, form, 400)


def _transcript_url(recording: Recording) -> str | None:
    if recording.transcript is None or not services.transcript_page_available():
        return None
    return url_for("transcripts.view_transcript", recording_id=recording.id)


@bp.route("/<int:recording_id>")
@login_required
def view_recording(recording_id: int) -> Any:
    recording = services.get_recording(current_user, recording_id)
    state = services.recording_status(recording)
    return render_template(
        "recordings/recording.html", recording=recording, state=state,
        retry_form=RetryForm(formdata=None),
        transcription_refusal=services.recording_transcription_refusal(recording)
        if state.status == "stored" else None,
        transcript_url=_transcript_url(recording))


@bp.route("/<int:recording_id>/status")
@login_required
def recording_status(recording_id: int) -> Any:
    recording = services.get_recording(current_user, recording_id)
    state = services.recording_status(recording)
    return jsonify(status=state.status, progress=state.progress, error=state.error or None,
                   note=state.note, finished=state.finished,
                   has_transcript=state.has_transcript)


@bp.route("/<int:recording_id>/audio")
@login_required
def stream_audio(recording_id: int) -> Any:
    audio = services.open_audio(current_user, recording_id)
    db.session.commit()  # the open is audited
    return audio_response(audio)


@bp.route("/<int:recording_id>/retry", methods=["POST"])
@login_required
def retry_recording(recording_id: int) -> Any:
    recording = services.get_recording(current_user, recording_id)
    authorize("can_upload_recording", recording.session)
    here = url_for("recordings.view_recording", recording_id=recording_id)
    done = carry_out(RetryForm(), lambda: services.retry_transcription(current_user, recording_id),
                     done=here, success="The transcription is queued again.", refused=here)
    if done is None:
        flash("The form expired; try again.", "error")
        return redirect(here)
    return done


def _render_supervisors(form: SupervisorForm | None = None, status: int = 200) -> Any:
    page, per_page = page_window()
    q = search_arg()
    listing = supervision.list_supervision(current_user, page=page, per_page=per_page, q=q)
    form = form or SupervisorForm(formdata=None)
    form.coach_person_id.choices = [("", "— choose —")] + [
        (str(p.id), f"{p.name} ({p.email})") for p in listing.coaches]
    form.supervisor_user_id.choices = [("", "— choose —")] + [
        (str(u.id), f"{u.display_name} ({u.email})") for u in listing.supervisors]
    return render_template("recordings/supervisors.html", supervision=listing, form=form,
                           unassign_form=UnassignForm(formdata=None), q=q,
                           coach_choices=supervision.COACH_CHOICES,
                           pagination=Pagination(page, per_page, listing.total)), status


@bp.route("/supervisors", methods=["GET", "POST"])
@login_required
def supervisors() -> Any:
    authorize("can_manage_recordings")
    if request.method == "GET":
        return _render_supervisors()
    form = SupervisorForm()
    done = carry_out(form, lambda: supervision.assign_supervisor(
        current_user, coach_person_id=form.coach_person_id.data,
        supervisor_user_id=form.supervisor_user_id.data),
        done=url_for("recordings.supervisors"), success="Supervisor assigned.")
    return done or _render_supervisors(form, 400)


@bp.route("/supervisors/<int:assignment_id>/remove", methods=["POST"])
@login_required
def unassign_supervisor(assignment_id: int) -> Any:
    authorize("can_manage_recordings")
    here = url_for("recordings.supervisors")
    done = carry_out(UnassignForm(),
                     lambda: supervision.unassign_supervisor(current_user, assignment_id),
                     done=here, success="Supervisor removed.")
    if done is None:
        flash("The form expired; try again.", "error")
        return redirect(here)
    return done

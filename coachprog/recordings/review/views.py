"""Pages of recorded sessions' transcripts: reading with search beside the audio player,
correcting segments, exporting in the ICF layout, and the master coaches' sensitive-topic
flags."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.recordings.review import services as review
from coachprog.recordings.review.forms import FlagReviewForm, SegmentForm
from coachprog.web import Refusal, attempt, no_store, rerender_status

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts")
no_store(bp)  # session content, evidence or assessments: never cached

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _render_transcript(recording_id: int, *, query: str = "", failed_segment_id: int | None = None,
                       form: SegmentForm | None = None, status: int = 200) -> Any:
    page = review.transcript_page(current_user, recording_id, query=query)
    db.session.commit()  # the opening is audited
    return render_template("transcripts/transcript.html", page=page,
                           form=form or SegmentForm(formdata=None),
                           failed_segment_id=failed_segment_id,
                           max_chars=review.MAX_SEGMENT_CHARS), status


@bp.route("/<int:recording_id>")
@login_required
def view_transcript(recording_id: int) -> Any:
    return _render_transcript(recording_id, query=request.args.get("q", ""))


@bp.route("/<int:recording_id>/segments/<int:segment_id>", methods=["POST"])
@login_required
def edit_segment(recording_id: int, segment_id: int) -> Any:
    form = SegmentForm()
    here = url_for("transcripts.view_transcript", recording_id=recording_id)
    outcome = attempt(form, lambda: review.edit_segment(
        current_user, recording_id, segment_id, text=form.text.data, speaker=form.speaker.data),
        success=lambda edit: "Correction saved." if edit else "Nothing changed.",
        done=url_for("transcripts.view_transcript", recording_id=recording_id,
                     _anchor=f"segment-{segment_id}"))
    if outcome is None:
        flash("The form expired; try again.", "error")
        return redirect(here)
    if isinstance(outcome, Refusal):
        # Shown again in place: the segment's editor stays open with the posted words.
        return _render_transcript(recording_id, failed_segment_id=segment_id, form=form,
                                  status=rerender_status())
    return outcome


def _export(recording_id: int, file_format: str) -> Response:
    export = review.export_transcript(current_user, recording_id, file_format=file_format)
    db.session.commit()  # the export is audited
    if file_format == "docx":
        response = Response(export.docx(), mimetype=DOCX_MIMETYPE)
    else:
        response = Response(export.text, mimetype="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="transcript-recording-{recording_id}.{file_format}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:recording_id>/export.txt")
@login_required
def export_text(recording_id: int) -> Any:
    return _export(recording_id, "txt")


@bp.route("/<int:recording_id>/export.docx")
@login_required
def export_docx(recording_id: int) -> Any:
    return _export(recording_id, "docx")


def _render_flags(*, failed_flag_id: int | None = None, form: FlagReviewForm | None = None,
                  status: int = 200) -> Any:
    flags = review.open_flags(current_user)
    db.session.commit()  # showing the matched segments is audited
    return render_template("transcripts/flags.html", flags=flags,
                           form=form or FlagReviewForm(formdata=None),
                           failed_flag_id=failed_flag_id), status


@bp.route("/flags")
@login_required
def list_flags() -> Any:
    return _render_flags()


@bp.route("/flags/<int:flag_id>/review", methods=["POST"])
@login_required
def review_flag(flag_id: int) -> Any:
    form = FlagReviewForm()
    flags_page = url_for("transcripts.list_flags")
    outcome = attempt(form, lambda: review.review_flag(current_user, flag_id,
                                                       note=form.note.data or ""),
                      done=flags_page, success="Flag marked reviewed.")
    if outcome is None:
        flash("The form expired; try again.", "error")
        return redirect(flags_page)
    if isinstance(outcome, Refusal):
        if outcome.field_errors:
            # A problem with the note: the flag's form is shown again with what was written.
            return _render_flags(failed_flag_id=flag_id, form=form, status=rerender_status())
        return redirect(flags_page)  # refused as a whole (already reviewed): the list says so
    return outcome

"""Pages of recorded sessions' transcripts: reading with search beside the audio player,
correcting segments, exporting in the ICF layout, and the master coaches' sensitive-topic
flags."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.recordings.review import services as review
from coachprog.recordings.review.forms import FlagReviewForm, SegmentForm
from coachprog.web import no_store

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
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("transcripts.view_transcript", recording_id=recording_id))
    try:
        edit = review.edit_segment(current_user, recording_id, segment_id,
                                   text=form.text.data, speaker=form.speaker.data)
    except DomainError as error:
        db.session.rollback()
        for name, messages in error.field_errors.items():
            field = getattr(form, name)
            field.errors = [*field.errors, *messages]
        return _render_transcript(recording_id, failed_segment_id=segment_id, form=form,
                                  status=400)
    db.session.commit()
    flash("Correction saved." if edit else "Nothing changed.", "success")
    return redirect(url_for("transcripts.view_transcript", recording_id=recording_id,
                            _anchor=f"segment-{segment_id}"))


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
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("transcripts.list_flags"))
    try:
        review.review_flag(current_user, flag_id, note=form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        if not error.field_errors:
            flash(error.message, "error")
            return redirect(url_for("transcripts.list_flags"))
        form.note.errors = [*form.note.errors, *error.field_errors.get("note", [])]
        return _render_flags(failed_flag_id=flag_id, form=form, status=400)
    db.session.commit()
    flash("Flag marked reviewed.", "success")
    return redirect(url_for("transcripts.list_flags"))

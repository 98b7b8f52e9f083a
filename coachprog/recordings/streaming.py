"""One way to answer for a recording's audio, shared by every page that plays it."""

from __future__ import annotations

from flask import Response, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from coachprog.recordings.services import AudioFile


def audio_response(audio: AudioFile) -> Response:
    """Stream an opened recording (`path`, `mimetype`, `download_name`).

    conditional=True answers Range requests (206) so the browser's player can seek; nothing is
    cached because the audio can be purged by a consent withdrawal at any time."""
    try:
        response = send_file(audio.path, mimetype=audio.mimetype, conditional=True, etag=True,
                             max_age=0, download_name=audio.download_name)
    except RequestedRangeNotSatisfiable as error:
        # The plain 416 with the file's length, not the HTML error page: players read it.
        return Response(status=416, headers={"Content-Range": f"bytes */{error.length}"})
    response.headers["Cache-Control"] = "private, no-store"
    return response

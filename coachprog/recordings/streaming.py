"""One way to answer for a recording's audio, shared by every page that plays it."""

from __future__ import annotations

from flask import Response
from werkzeug.exceptions import NotFound, RequestedRangeNotSatisfiable

from coachprog.recordings import storage
from coachprog.recordings.services import AudioFile
from coachprog.storage import send_stored


def audio_response(audio: AudioFile) -> Response:
    """Stream an opened recording (`storage_name`, `mimetype`, `download_name`).

    Range requests are answered (206, a ranged read of the store, local or S3) so the
    browser's player can seek; nothing is cached because the audio can be purged by a consent
    withdrawal at any time."""
    try:
        response = send_stored(storage.store(), audio.storage_name, mimetype=audio.mimetype,
                               download_name=audio.download_name)
    except FileNotFoundError:
        raise NotFound() from None  # purged between the permission check and this read
    except RequestedRangeNotSatisfiable as error:
        # The plain 416 with the file's length, not the HTML error page: players read it.
        return Response(status=416, headers={"Content-Range": f"bytes */{error.length}"})
    response.headers["Cache-Control"] = "private, no-store"
    return response

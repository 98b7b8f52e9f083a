"""Pure rules of recorded sessions (standard library only).

A transcription's failure reason is shown on the recording's page and in the API: one line,
no file-system paths (they tell an outsider how the server is laid out), bounded in length.
"""

from __future__ import annotations

import re

_TRACEBACK = "Traceback (most recent call last)"
_WORD = r"""[^\s'"<>|()\[\]{}]"""
# Any word with a slash or backslash in it: absolute, relative and Windows paths, file URLs.
_PATH = re.compile(rf"{_WORD}*(?:{_WORD}[/\\]|[/\\]{_WORD}){_WORD}*")
MAX_REASON_CHARS = 300


def user_safe_reason(text: str) -> str:
    """A failure reason fit for the recording's page and the API: one line (the last line of
    a traceback, the first line otherwise), every file-system path replaced by "[path]",
    at most MAX_REASON_CHARS characters."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return "The transcription failed."
    line = lines[-1] if any(_TRACEBACK in item for item in lines) else lines[0]
    line = _PATH.sub("[path]", line)
    if len(line) > MAX_REASON_CHARS:
        line = line[:MAX_REASON_CHARS - 1].rstrip() + "…"
    return line

"""App start stays light: heavy libraries load where they are used, never at `import wsgi`
(issue 22). Every `flask` command, worker and server start pays for what the import loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Used by one feature each: PDF rendering, statistics, calibration alpha, audio decoding and
# transcription, object storage.
HEAVY = ("weasyprint", "fontTools", "pydyf", "PIL", "scipy", "numpy", "krippendorff", "av",
         "faster_whisper", "ctranslate2", "tokenizers", "boto3", "botocore")


def test_importing_the_app_loads_no_heavy_library() -> None:
    code = ("import json, sys; import wsgi; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True,
        text=True, timeout=120, check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"`import wsgi` loads {', '.join(loaded)}: import it where it is used"

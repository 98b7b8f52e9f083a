"""Transcription: real-time factor, pipeline overhead and peak memory of the speech engine.

Builds test recordings from the shared samples (../shared/samples/audio: the JFK clip and two
LibriVox sentences, concatenated in a seeded random order with short pauses and written as a
16 kHz mono WAV in a temporary folder) and measures, each in a fresh subprocess so that the peak
resident memory (ru_maxrss: CTranslate2 allocates outside Python, so tracemalloc cannot see it)
belongs to that measurement alone:

1. the JFK clip (11 s): bare faster-whisper vs the pipeline (median of 5 runs each);
2. a 10-minute recording: bare faster-whisper vs the pipeline, with the word error rate of each
   against the known script (so a chunking seam that lost or doubled words would show);
3. a 60-minute recording through the pipeline: peak memory compared with the 10-minute one
   (flat in length); `--bare-60` also runs the bare engine on it (several GB, slow).

"bare" is `WhisperModel.transcribe(path, ...)` with the same model, settings, threads and VAD
as the pipeline; "pipeline" is what `flask transcribe` and the worker do: `probe` (decoding the
whole file once to validate it) + `transcribe_file` in bounded chunks. Model loading is timed
separately and excluded from both.

    .venv/bin/python bench/transcription.py
    .venv/bin/python bench/transcription.py --minutes 10 --long-minutes 60 --bare-60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / ".." / "shared" / "samples" / "audio"
CLIPS = ("fw_jfk", "librivox_sense_and_sensibility_01_0870",
         "librivox_sense_and_sensibility_01_0880")


def clip_path(name: str) -> Path:
    for suffix in (".flac", ".wav"):
        if (SAMPLES / f"{name}{suffix}").exists():
            return SAMPLES / f"{name}{suffix}"
    raise SystemExit(f"sample {name} not found under {SAMPLES}")


def build_recording(minutes: float, target: Path, seed: int) -> str:
    """Write a `minutes`-long 16 kHz mono WAV of the samples; return its script."""
    from coachprog.recordings.transcription.audio import SAMPLE_RATE, AudioReader

    clips = []
    for name in CLIPS:
        with AudioReader(clip_path(name)) as reader:
            samples = reader.read(0, 10**9)
        clips.append((samples, (SAMPLES / f"{name}.txt").read_text().strip()))
    rng = random.Random(seed)
    needed = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    script: list[str] = []
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        while written < needed:
            samples, text = rng.choice(clips)
            pause = np.zeros(int(rng.uniform(0.6, 1.5) * SAMPLE_RATE), dtype=np.float32)
            piece = np.concatenate((samples * rng.uniform(0.7, 1.0), pause))
            out.writeframes((np.clip(piece, -1, 1) * 32767).astype("<i2").tobytes())
            written += len(piece)
            script.append(text)
    return " ".join(script)


def measure(mode: str, path: Path, repeat: int) -> dict[str, object]:
    """Run inside the child process. `pair` alternates pipeline and bare `repeat` times each
    (this machine is shared, so interleaving and taking the fastest run of each keeps other
    load out of the ratio); `pipeline` and `bare` run once, for memory alone."""
    from coachprog.recordings.transcription.audio import probe
    from coachprog.recordings.transcription.engine import (
        TranscriptionSettings,
        WhisperTranscriber,
        transcribe_file,
    )

    settings = TranscriptionSettings()
    started = time.perf_counter()
    transcriber = WhisperTranscriber(settings)
    load = time.perf_counter() - started

    def bare() -> str:
        segments, _info = transcriber.model.transcribe(
            str(path), language=settings.language, beam_size=settings.beam_size,
            vad_filter=settings.vad_filter)
        return " ".join(segment.text.strip() for segment in segments)

    def pipeline() -> str:
        info = probe(path, max_bytes=10**12, max_seconds=10**9)
        result = transcribe_file(path, transcriber, settings, info=info)
        return " ".join(segment.text for segment in result.segments)

    # The first transcription in a process pays one-off allocations: do it before timing.
    transcribe_file(clip_path("fw_jfk"), transcriber, settings)
    engines = {"bare": bare, "pipeline": pipeline}
    order = ["pipeline", "bare"] * repeat if mode == "pair" else [mode] * repeat
    times: dict[str, list[float]] = {"bare": [], "pipeline": []}
    cpu: dict[str, list[float]] = {"bare": [], "pipeline": []}
    texts: dict[str, str] = {}
    peaks: dict[str, float] = {}
    for engine in order:
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        texts[engine] = engines[engine]()
        times[engine].append(time.perf_counter() - started)
        cpu[engine].append(_cpu_seconds() - cpu_started)
        # ru_maxrss is a high-water mark: after the first pipeline run it is the pipeline's
        # peak; at the end, the larger of the two (the bare engine's, which grows with length).
        peaks.setdefault(engine, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    peaks["end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load": load, "seconds": {k: min(v) for k, v in times.items() if v},
            "cpu": {k: min(v) for k, v in cpu.items() if v},
            "runs": times, "peak_mb": peaks, "text": texts}


def _cpu_seconds() -> float:
    """User + system time of this process, all threads (CTranslate2's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_subprocess(mode: str, path: Path, repeat: int = 1) -> dict[str, object]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--measure", mode, str(path), "--repeat", str(repeat)],
        capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        raise SystemExit(f"{mode} on {path.name} failed:\n{completed.stderr}")
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def web_latency(path: Path, gets: int, pause: float) -> dict[str, object]:
    """Median and p95 of `gets` GETs of a coach's session page (a typical page: sign-in
    session, permission checks, a few queries, a template), first idle, then while the
    embedded worker thread (the one `make run` starts inside the web process) transcribes
    `path`. Runs in this process, as the embedded worker does: a temporary SQLite database
    and instance folder, the test builders for the data, and the Flask test client (no
    network, so only the server side of a request is timed)."""
    import threading

    from coachprog import create_app
    from coachprog.auth.models import User
    from coachprog.extensions import db
    from coachprog.recordings import services
    from coachprog.recordings.models import CoachingSession, Recording

    with tempfile.TemporaryDirectory(prefix="coachprog-bench-web-") as folder:
        app = create_app({
            "TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "COACHPROG_PASSWORD_HASH": "argon2id-fast", "COACHPROG_QUEUE": "sqlite",
            "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False, "COACHPROG_SMTP_HOST": None,
            "COACHPROG_RECORDINGS_DIR": f"{folder}/recordings"})
        with app.app_context():
            db.create_all()
            from tests.conftest import TEST_PASSWORD
            from tests.recordings.recording_builders import session, world

            w = world()
            row = session(w.engagement)
            db.session.commit()
            email, user_id, session_id = w.coach_user.email, w.coach_user.id, row.id
        client = app.test_client()
        signed_in = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
        if signed_in.status_code != 302:
            raise SystemExit(f"bench sign-in failed ({signed_in.status_code})")
        url = f"/recordings/sessions/{session_id}"

        def timed(count: int, keep_going: Callable[[], bool] = lambda: True) -> list[float]:
            times: list[float] = []
            for _ in range(count):
                if not keep_going():
                    break
                started = time.perf_counter()
                response = client.get(url)
                response.get_data()
                times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url}: {response.status_code}")
                time.sleep(pause)
            return times

        timed(20)  # warm-up: templates compiled, connections open
        idle = timed(gets)
        with app.app_context():
            actor = db.session.get(User, user_id)
            with path.open("rb") as stream:
                recording = services.upload_recording(
                    actor, db.session.get(CoachingSession, session_id),
                    services.Upload(path.name, stream))
            db.session.commit()
            recording_id = recording.id
        app.extensions["coachprog.queue"].start_in_process_consumer()

        def state() -> str:
            with app.app_context():
                value = db.session.scalar(sa_select_status(Recording, recording_id))
                db.session.remove()
                return str(value)

        deadline = time.monotonic() + 120
        while state() != "transcribing":
            if time.monotonic() > deadline:
                raise SystemExit("the worker never started the transcription")
            time.sleep(0.05)
        time.sleep(1.0)  # past the model load: measure the engine at work
        busy = timed(gets, lambda: state() == "transcribing")
        finished = state()
        deadline = time.monotonic() + 600
        while state() in {"queued", "transcribing"} and time.monotonic() < deadline:
            time.sleep(0.2)  # let the worker finish: the engine must not die mid-call
        workers = [t.name for t in threading.enumerate() if "worker" in t.name]
    if not busy:
        raise SystemExit("the transcription ended before any GET; use a longer file")
    return {"idle": idle, "busy": busy, "finished": finished, "worker_threads": workers}


def sa_select_status(model: Any, recording_id: int) -> Any:
    import sqlalchemy as sa

    return sa.select(model.status).where(model.id == recording_id)


def audio_seconds(path: Path) -> float:
    from coachprog.recordings.transcription.audio import probe

    return probe(path, max_bytes=10**12, max_seconds=10**9).duration_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--long-minutes", type=float, default=60, help="0: skip")
    parser.add_argument("--bare-60", action="store_true", help="also run the bare engine on "
                        "the long file (its memory grows with length)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=0,
                        help="pipeline/bare pairs on the medium file (default 2)")
    parser.add_argument("--latency", action="store_true",
                        help="only measure web page latency, idle vs during a transcription")
    parser.add_argument("--gets", type=int, default=200, help="GETs per latency sample")
    parser.add_argument("--latency-minutes", type=float, default=4,
                        help="length of the file transcribed while the GETs run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from coachprog.recordings.transcription.wer import word_error_rate  # shared with the tests
    if args.measure:
        mode, file = args.measure
        print(json.dumps(measure(mode, Path(file), args.repeat or 1)))
        return 0
    if args.latency:
        return latency_report(args)

    rows: list[tuple[str, str, float, float, float, float, float | None, float | None]] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="coachprog-bench-audio-") as folder:
        medium = Path(folder) / "medium.wav"
        long = Path(folder) / "long.wav"
        scripts = {medium: build_recording(args.minutes, medium, args.seed)}
        if args.long_minutes > 0:
            build_recording(args.long_minutes, long, args.seed + 1)
        jfk = clip_path("fw_jfk")
        scripts[jfk] = (SAMPLES / "fw_jfk.txt").read_text()
        plan: list[tuple[str, Path, str, int]] = [
            ("JFK clip", jfk, "pair", 5),
            (f"{args.minutes:g}-minute file", medium, "pair", args.repeat or 2),
        ]
        if args.long_minutes > 0:
            plan.append((f"{args.long_minutes:g}-minute file", long, "pipeline", 1))
        if args.bare_60:
            plan.append((f"{args.long_minutes:g}-minute file", long, "bare", 1))
        for label, path, mode, repeat in plan:
            print(f"… {mode} on {label}", file=sys.stderr, flush=True)
            result = in_subprocess(mode, path, repeat)
            loads.append(float(str(result["load"])))
            seconds: dict[str, float] = result["seconds"]  # type: ignore[assignment]
            cpu: dict[str, float] = result["cpu"]  # type: ignore[assignment]
            texts: dict[str, str] = result["text"]  # type: ignore[assignment]
            peaks: dict[str, float] = result["peak_mb"]  # type: ignore[assignment]
            audio = audio_seconds(path)
            for engine in ("bare", "pipeline"):
                if engine not in seconds:
                    continue
                ratio = cpu[engine] / cpu["bare"] if "bare" in cpu else None
                peak = peaks[engine] if engine == "pipeline" or mode != "pair" else peaks["end"]
                wer = (word_error_rate(scripts[path], texts[engine]) if path in scripts
                       else None)
                rows.append((label, engine, audio, seconds[engine], cpu[engine], peak, ratio,
                             wer))

    print(f"\ncoachprog transcription: tiny.en int8, beam 5, VAD on, 2 threads; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPU(s), {platform.machine()}")
    print(f"{'recording':<18}{'engine':<10}{'audio s':>9}{'wall s':>9}{'RTF':>8}{'CPU s':>9}"
          f"{'x bare':>8}{'peak MB':>9}{'WER':>7}")
    for label, engine, audio, seconds_, cpu_, peak, ratio, wer in rows:
        print(f"{label:<18}{engine:<10}{audio:>9.1f}{seconds_:>9.2f}{seconds_ / audio:>8.3f}"
              f"{cpu_:>9.2f}{'-' if ratio is None else f'{ratio:.3f}':>8}{peak:>9.0f}"
              f"{'' if wer is None else f'{wer:.1%}':>7}")
    print(f"model load (excluded above): {statistics.median(loads):.2f} s. wall s, CPU s: "
          "fastest run; x bare: CPU seconds against the bare engine's (CPU time is what a "
          "shared machine's other load disturbs least); peak MB: ru_maxrss of a fresh "
          "process (bare: after the pipeline in the same process, so the larger of the two)")
    return 0


def latency_report(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="coachprog-bench-audio-") as folder:
        path = Path(folder) / "latency.wav"
        build_recording(args.latency_minutes, path, args.seed + 2)
        result = web_latency(path, args.gets, pause=0.05)
    idle: list[float] = result["idle"]  # type: ignore[assignment]
    busy: list[float] = result["busy"]  # type: ignore[assignment]
    print(f"\nweb latency: GET of a coach's session page, {len(idle)} idle / {len(busy)} during "
          f"a transcription of a {args.latency_minutes:g}-minute file by the embedded worker; "
          f"{os.cpu_count()} CPU(s); worker threads {result['worker_threads']}")
    print(f"{'':<8}{'median ms':>11}{'p95 ms':>9}")
    rows = {"idle": idle, "busy": busy}
    for label, values in rows.items():
        print(f"{label:<8}{statistics.median(values) * 1000:>11.1f}"
              f"{_percentile(values, 0.95) * 1000:>9.1f}")
    print(f"busy / idle: median {statistics.median(busy) / statistics.median(idle):.2f}x, "
          f"p95 {_percentile(busy, 0.95) / _percentile(idle, 0.95):.2f}x "
          f"(target <= 1.2x); the recording ended {result['finished']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / ".." / "shared" / "samples" / "audio"
CLIPS = ("fw_jfk", "librivox_sense_and_sensibility_01_0870",
         "librivox_sense_and_sensibility_01_0880")


def words(text: str) -> list[str]:
    text = text.lower().replace("mr.", "mister")
    return re.findall(r"[a-z0-9']+", text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i]
        for j, hyp_word in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1] / max(1, len(ref))


def clip_path(name: str) -> Path:
    for suffix in (".flac", ".wav"):
        if (SAMPLES / f"{name}{suffix}").exists():
            return SAMPLES / f"{name}{suffix}"
    raise SystemExit(f"sample {name} not found under {SAMPLES}")


def build_recording(minutes: float, target: Path, seed: int) -> str:
    """Write a `minutes`-long 16 kHz mono WAV of the samples; return its script."""
    from coachprog.recordings.audio import SAMPLE_RATE, AudioReader

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
    from coachprog.recordings.audio import probe
    from coachprog.recordings.transcription import (
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


def audio_seconds(path: Path) -> float:
    from coachprog.recordings.audio import probe

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
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.measure:
        mode, file = args.measure
        print(json.dumps(measure(mode, Path(file), args.repeat or 1)))
        return 0

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


if __name__ == "__main__":
    sys.exit(main())

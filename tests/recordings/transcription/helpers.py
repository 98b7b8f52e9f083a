"""Test helpers: word error rate (recordings.transcription.wer), WAV writing and encoding with PyAV,
a fake transcriber."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from coachprog.recordings.transcription.audio import SAMPLE_RATE
from coachprog.recordings.transcription.engine import RawSegment
from coachprog.recordings.transcription.wer import word_error_rate, words

__all__ = ["word_error_rate", "words"]  # shared with bench/transcription.py

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "samples" / "audio"
JFK = "fw_jfk.flac"
LIBRIVOX_0870 = "librivox_sense_and_sensibility_01_0870.wav"
LIBRIVOX_0880 = "librivox_sense_and_sensibility_01_0880.wav"


def write_wav(path: Path, channels: Sequence[np.ndarray], rate: int = SAMPLE_RATE) -> Path:
    """16-bit PCM WAV, one array (floats in [-1, 1]) per channel."""
    planar = np.stack([np.asarray(c, dtype=np.float64) for c in channels])
    interleaved = (np.clip(planar.T, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(interleaved.tobytes())
    return path


def encode(path: Path, samples: np.ndarray, *, container: str, codec: str,
           rate: int = 48_000) -> Path:
    """Encode mono float samples (at `rate`) with PyAV into `container` / `codec`."""
    with av.open(str(path), "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        encoder_format = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=encoder_format, layout="mono", rate=rate)
        step = 1024
        for start in range(0, len(samples), step):
            block = samples[start:start + step].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for converted in resampler.resample(frame):
                out.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            out.mux(stream.encode(converted))
        out.mux(stream.encode(None))
    return path


def tone(seconds: float, *, rate: int = SAMPLE_RATE, hz: float = 440.0,
         amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


def script_audio(script: Sequence[Word], total: float) -> np.ndarray:
    """Silence with a burst wherever the script has a word (a level that never crosses zero,
    so the fake below hears one burst as one word)."""
    audio = np.zeros(round(total * SAMPLE_RATE), dtype=np.float32)
    for word in script:
        start, end = round(word.start * SAMPLE_RATE), round(word.end * SAMPLE_RATE)
        audio[start:end] = 0.4 + tone(word.end - word.start, amplitude=0.1)[: end - start]
    return audio


@dataclass
class ScriptTranscriber:
    """A fake engine that 'hears' the tone bursts of a script: a burst heard whole becomes its
    word, a burst cut by the edge of the samples it was given becomes "PARTIAL" (what Whisper
    does with half a word: garbles it). It records every window it was handed."""

    script: Sequence[Word]
    model_name: str = "fake"
    model_version: str = "1"
    parameters: dict[str, Any] = field(default_factory=dict)
    windows: list[tuple[float, int]] = field(default_factory=list)

    def transcribe(self, samples: np.ndarray, *, offset_seconds: float) -> list[RawSegment]:
        self.windows.append((offset_seconds, len(samples)))
        loud = np.abs(samples) > 0.01
        edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
        heard = []
        for run_start, run_end in zip(edges[::2], edges[1::2], strict=True):
            start = offset_seconds + run_start / SAMPLE_RATE
            end = offset_seconds + run_end / SAMPLE_RATE
            middle = (start + end) / 2
            word = next(w for w in self.script if w.start - 0.01 <= middle <= w.end + 0.01)
            whole = (end - start) >= (word.end - word.start) - 0.01
            heard.append(RawSegment(start=start, end=end,
                                    text=word.text if whole else "PARTIAL", avg_logprob=-0.1))
        return heard

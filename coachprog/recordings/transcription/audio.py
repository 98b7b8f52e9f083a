"""Audio of recorded sessions: proving a file is audio we accept, and reading it in bounded pieces.

Policy (issue 5): an upload is trusted only once it has been *decoded*, never by its name or
Content-Type, and the whole stream is decoded once so a truncated or corrupt file is refused at
upload rather than failing hours later in the worker. The file is handed to FFmpeg as an open
file object, so the name (and its extension) cannot influence what FFmpeg thinks it is.

Speech-to-text reads 16 kHz mono float32, the input Whisper expects. Reading is streamed: only a
window of the file is ever in memory (a 3-hour upload must not need 10 GB), see `AudioReader`.
"""

from __future__ import annotations

import itertools
import math
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from coachprog.runtime.lazy import lazy_module

if TYPE_CHECKING:
    import av
    import numpy as np
else:  # loaded at first use: uploads and transcription jobs need them, app start does not
    av = lazy_module("av")
    np = lazy_module("numpy")

SAMPLE_RATE = 16_000

_PCM = frozenset({"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le", "pcm_u8",
                  "pcm_s16be", "pcm_s24be", "pcm_mulaw", "pcm_alaw"})
# Container (FFmpeg demuxer name) → codecs accepted in it: wav, flac, mp3, m4a/aac, ogg
# (opus, vorbis), webm (opus, vorbis). Anything else decodes perhaps, but is not what a
# meeting tool exports, and each extra demuxer is more attack surface for no user.
ACCEPTED: dict[str, frozenset[str]] = {
    "wav": _PCM,
    "flac": frozenset({"flac"}),
    "mp3": frozenset({"mp3", "mp3float"}),
    "mov,mp4,m4a,3gp,3g2,mj2": frozenset({"aac"}),
    "aac": frozenset({"aac"}),
    "ogg": frozenset({"opus", "libopus", "vorbis", "libvorbis"}),
    "matroska,webm": frozenset({"opus", "libopus", "vorbis", "libvorbis"}),
}
ACCEPTED_WORDS = "WAV, FLAC, MP3, M4A/AAC, Ogg (Opus or Vorbis) or WebM (Opus)"

# Channels whose samples correlate at least this much carry the same sound (a mono recording
# saved as stereo, like the JFK sample at 0.9996): they are mixed down, not transcribed twice.
SAME_SOUND_CORRELATION = 0.9
# A channel quieter than this (RMS, full scale 1.0) carries nobody's voice.
SILENT_RMS = 1e-4
# Declared and decoded durations may differ by encoder padding; more than this is truncation.
TRUNCATION_TOLERANCE_SECONDS = 0.5
TRUNCATION_TOLERANCE_SHARE = 0.02


class InvalidAudio(ValueError):  # noqa: N818 - named by the issue and used by uploads
    """The file is not audio we accept; the message says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AudioInfo:
    container: str
    codec: str
    channels: int
    sample_rate: int
    duration_seconds: float
    size_bytes: int
    # 1-based channels that carry distinct voices (one speaker each); empty when the file is
    # mono in effect (one channel, channels that are copies of each other, or one voiced channel).
    speaker_channels: tuple[int, ...] = ()


@dataclass(frozen=True)
class AudioChunk:
    offset_seconds: float
    samples: np.ndarray  # float32, mono, 16 kHz

    @property
    def duration_seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


class _Nameless:
    """The file's bytes without its name: FFmpeg guesses formats from extensions too."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.read = handle.read
        self.seek = handle.seek
        self.tell = handle.tell


def _open(handle: IO[bytes]) -> Any:
    try:
        return av.open(_Nameless(handle), mode="r")
    except (av.error.InvalidDataError, av.error.EOFError) as error:
        raise InvalidAudio("This file is not audio we can read (its content is not a known "
                           f"audio format). Upload a {ACCEPTED_WORDS} file.") from error
    except av.error.FFmpegError as error:
        raise InvalidAudio(f"This file could not be read as audio ({error.strerror}).") from error


def _megabytes(size: int) -> str:
    megabytes = size / 1024 / 1024
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def _hms(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def probe(path: Path, *, max_bytes: int, max_seconds: float) -> AudioInfo:
    """Validate an audio file by decoding it (see `_probe`). Whatever the decoder trips on in a
    damaged or hostile file (undecodable tags, a stream without codec) is refused in words,
    never raised as a server error."""
    try:
        return _probe(path, max_bytes=max_bytes, max_seconds=max_seconds)
    except InvalidAudio:
        raise
    except (UnicodeError, AttributeError, ValueError, TypeError, IndexError,
            av.error.FFmpegError) as error:
        raise InvalidAudio("This file could not be read as audio: it is damaged or not a "
                           f"recording. Upload a {ACCEPTED_WORDS} file.") from error


def _probe(path: Path, *, max_bytes: int, max_seconds: float) -> AudioInfo:
    """Decode the whole file once (keeping no samples) and describe it, or raise InvalidAudio."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidAudio("The file is empty (0 bytes). Choose the recording again.")
    if size > max_bytes:
        raise InvalidAudio(f"The file is {_megabytes(size)}; a recording may be at most "
                           f"{_megabytes(max_bytes)}.")
    with path.open("rb") as handle, _open(handle) as container:
        if not container.streams.audio:
            raise InvalidAudio("This file has no audio in it (no sound track was found).")
        stream = container.streams.audio[0]
        format_name = container.format.name
        codec = stream.codec_context.name
        if format_name not in ACCEPTED or codec not in ACCEPTED[format_name]:
            raise InvalidAudio(f"This is {container.format.long_name} audio encoded as {codec}, "
                               f"which is not accepted. Upload a {ACCEPTED_WORDS} file.")
        channels = stream.codec_context.channels
        rate = stream.codec_context.sample_rate
        if not channels or not rate:
            raise InvalidAudio("This file's sound track has no channels or sample rate; it is "
                               "damaged.")
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds:
            raise InvalidAudio(f"The recording is {_hms(declared)} long; at most "
                               f"{_hms(max_seconds)} is accepted.")
        correlation = _ChannelStats(channels) if channels > 1 else None
        decoded_samples = _decode_all(container, stream, correlation,
                                      limit_samples=_samples_limit(max_seconds, rate))
    decoded = decoded_samples / rate
    if format_name == "wav" and _riff_truncated(path, size):
        raise InvalidAudio(f"The file is truncated: its header announces more sound than the "
                           f"{size} bytes it has (only {decoded:.1f} s are there). Upload it "
                           "again.")
    if decoded_samples == 0:
        raise InvalidAudio("The file contains no sound (nothing could be decoded); it is "
                           "damaged or truncated.")
    if declared is not None and declared - decoded > max(
            TRUNCATION_TOLERANCE_SECONDS, TRUNCATION_TOLERANCE_SHARE * declared):
        raise InvalidAudio(f"The file is truncated or damaged: it says it lasts {declared:.1f} s "
                           f"but only {decoded:.1f} s could be decoded. Upload it again.")
    if decoded > max_seconds:
        raise InvalidAudio(f"The recording is {_hms(decoded)} long; at most "
                           f"{_hms(max_seconds)} is accepted.")
    return AudioInfo(container=format_name, codec=codec, channels=channels, sample_rate=rate,
                     duration_seconds=round(decoded, 3), size_bytes=size,
                     speaker_channels=correlation.speaker_channels() if correlation else ())


def _riff_truncated(path: Path, size: int) -> bool:
    """FFmpeg trims a WAV's data to the bytes present, so compare the RIFF header's own size
    with the file's. 0 and 0xFFFFFFFF mean "unknown" (streaming writers); they pass."""
    with path.open("rb") as handle:
        header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return False
    riff_size = int.from_bytes(header[4:8], "little")
    return riff_size not in (0, 0xFFFFFFFF) and riff_size + 8 > size


def _declared_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


def _samples_limit(max_seconds: float, rate: int) -> int:
    """The duration limit in samples (no limit when it is infinite, as the CLI may pass)."""
    if not math.isfinite(max_seconds):
        return sys.maxsize
    return int(max_seconds * rate) + 1


def _decode_all(container: Any, stream: Any, stats: _ChannelStats | None, *,
                limit_samples: int) -> int:
    """Decode every packet; return the number of samples per channel. Stops as soon as the
    duration limit is passed: a file that under-declares its length must not keep a web
    worker decoding for hours before being refused."""
    total = 0
    resampler = (av.AudioResampler(format="fltp", layout=stream.codec_context.layout.name,
                                   rate=stream.codec_context.sample_rate) if stats else None)
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                total += frame.samples
                if total > limit_samples:
                    return total
                if resampler is not None and stats is not None:
                    for converted in resampler.resample(frame):
                        stats.add(converted.to_ndarray())
    except av.error.FFmpegError as error:
        raise InvalidAudio(f"The file is truncated or damaged (decoding failed after "
                           f"{total / stream.codec_context.sample_rate:.1f} s: "
                           f"{error.strerror}). Upload it again.") from error
    return total


class _ChannelStats:
    """Running sums for the pairwise correlation of channels, a few numbers whatever the
    length: is this one voice per channel, or the same sound on every channel?"""

    def __init__(self, channels: int) -> None:
        self.count = 0
        self.sums = np.zeros(channels)
        self.products = np.zeros((channels, channels))

    def add(self, planar: np.ndarray) -> None:
        block = planar.astype(np.float64, copy=False)
        self.count += block.shape[1]
        self.sums += block.sum(axis=1)
        self.products += block @ block.T

    def speaker_channels(self) -> tuple[int, ...]:
        if self.count == 0:
            return ()
        mean = self.sums / self.count
        covariance = self.products / self.count - np.outer(mean, mean)
        rms = np.sqrt(np.clip(np.diag(self.products) / self.count, 0, None))
        voiced = [i for i in range(len(rms)) if rms[i] > SILENT_RMS]
        if len(voiced) < 2:
            return ()
        std = np.sqrt(np.clip(np.diag(covariance), 1e-20, None))
        correlation = covariance / np.outer(std, std)
        same = all(correlation[i, j] >= SAME_SOUND_CORRELATION
                   for i in voiced for j in voiced if i < j)
        return () if same else tuple(i + 1 for i in voiced)


class AudioReader:
    """16 kHz mono float32 samples of one channel (or the mixdown) of a file, read forward in
    windows. Only the requested window plus one decoded frame is held, so memory is bounded by
    the window, not by the recording."""

    def __init__(self, path: Path, *, channel: int | None = None) -> None:
        self._handle = path.open("rb")
        try:
            self._container = _open(self._handle)
            if not self._container.streams.audio:
                raise InvalidAudio("This file has no audio in it.")
            stream = self._container.streams.audio[0]
            channels = stream.codec_context.channels
            if channel is not None and not 0 <= channel < channels:
                raise ValueError(f"channel {channel} out of range for {channels} channel(s)")
        except BaseException:
            self._handle.close()
            raise
        self._channel = channel
        layout = "mono" if channel is None else stream.codec_context.layout.name
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        self._frames = self._decode(stream)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # sample index of self._buffer[0]
        self._position = 0  # sample index of the next decoded sample
        self.exhausted = False

    def _decode(self, stream: Any) -> Iterator[np.ndarray]:
        row = 0 if self._channel is None else self._channel
        for frame in self._container.decode(stream):
            for converted in self._resampler.resample(frame):
                yield converted.to_ndarray()[row]
        for converted in self._resampler.resample(None):
            yield converted.to_ndarray()[row]

    @property
    def end_sample(self) -> int:
        """One past the last sample decoded so far."""
        return self._buffer_start + len(self._buffer)

    def read(self, start: int, end: int) -> np.ndarray:
        """Samples [start, end) (fewer at the end of the file). `start` never goes backwards."""
        if start < self._buffer_start:
            raise ValueError("AudioReader reads forward only")
        pieces = [self._buffer[start - self._buffer_start:]] if start < self.end_sample else []
        position = self._position
        while position < end and not self.exhausted:
            piece = next(self._frames, None)
            if piece is None:
                self.exhausted = True
                break
            if position + len(piece) > start:
                pieces.append(piece[max(0, start - position):])
            position += len(piece)
        self._position = position
        self._buffer = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        self._buffer_start = start if len(self._buffer) else min(start, position)
        return self._buffer[: end - start].copy()

    def close(self) -> None:
        self._container.close()
        self._handle.close()

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# A blind listener hears speech; 24 kHz keeps it clear while bounding the copy's size.
PLAIN_MAX_RATE = 24_000


def write_plain_wav(source: Path, dest: Path) -> None:
    """Decode `source` and write it to `dest` as 16-bit PCM WAV holding only the RIFF header,
    the `fmt ` and `data` chunks (Python's `wave` writes nothing else): none of the original's
    tags — WAV LIST/INFO, ID3, Vorbis comments, MP4 atoms, embedded names — survive. Mono
    stays mono; anything wider becomes stereo. Decoded frame by frame: memory stays bounded."""
    with source.open("rb") as handle:
        container = _open(handle)
        try:
            if not container.streams.audio:
                raise InvalidAudio("This file has no audio in it.")
            stream = container.streams.audio[0]
            channels = 1 if stream.codec_context.channels == 1 else 2
            rate = min(int(stream.codec_context.sample_rate or SAMPLE_RATE), PLAIN_MAX_RATE)
            resampler = av.AudioResampler(format="s16", layout="mono" if channels == 1
                                          else "stereo", rate=rate)
            with wave.open(str(dest), "wb") as out:
                out.setnchannels(channels)
                out.setsampwidth(2)
                out.setframerate(rate)
                for frame in itertools.chain(container.decode(stream), [None]):
                    for converted in resampler.resample(frame):
                        out.writeframes(converted.to_ndarray().astype("<i2").tobytes())
        finally:
            container.close()


def iter_chunks(path: Path, *, channel: int | None, chunk_seconds: float,
                overlap_seconds: float) -> Iterator[AudioChunk]:
    """Fixed windows of `chunk_seconds`, each starting `chunk_seconds - overlap_seconds` after
    the previous one, the last one ending with the file. `channel=None` mixes down to mono;
    `channel=k` (0-based) reads that channel only."""
    if chunk_seconds <= 0 or not 0 <= overlap_seconds < chunk_seconds:
        raise ValueError("need chunk_seconds > 0 and 0 <= overlap_seconds < chunk_seconds")
    size = math.ceil(chunk_seconds * SAMPLE_RATE)
    step = size - round(overlap_seconds * SAMPLE_RATE)
    with AudioReader(path, channel=channel) as reader:
        start = 0
        while True:
            # One sample more than the window tells whether another window follows.
            samples = reader.read(start, start + size + 1)
            yield AudioChunk(offset_seconds=start / SAMPLE_RATE, samples=samples[:size])
            if len(samples) <= size:
                return
            start += step

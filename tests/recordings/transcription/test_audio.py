"""Validation by decoding (probe) and bounded reading (iter_chunks) of recorded-session audio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachprog.recordings.transcription.audio import (
    SAMPLE_RATE,
    AudioReader,
    InvalidAudio,
    iter_chunks,
    probe,
)
from tests.recordings.transcription.helpers import (
    JFK,
    LIBRIVOX_0870,
    LIBRIVOX_0880,
    encode,
    tone,
    write_wav,
)

GENEROUS: dict[str, Any] = {"max_bytes": 10**9, "max_seconds": 4 * 3600.0}


@pytest.mark.parametrize(("name", "container", "codec", "channels", "rate", "seconds"), [
    (JFK, "flac", "flac", 2, 44_100, 11.0),
    (LIBRIVOX_0870, "wav", "pcm_s16le", 1, 16_000, 7.1),
    (LIBRIVOX_0880, "wav", "pcm_s16le", 1, 16_000, 2.99),
])
def test_probe_describes_each_sample(samples: Path, name: str, container: str, codec: str,
                                     channels: int, rate: int, seconds: float) -> None:
    info = probe(samples / name, **GENEROUS)
    assert (info.container, info.codec, info.channels, info.sample_rate) == (
        container, codec, channels, rate)
    assert info.duration_seconds == pytest.approx(seconds, abs=0.01)
    assert info.size_bytes == (samples / name).stat().st_size


def test_probe_treats_a_stereo_copy_of_one_signal_as_mono(samples: Path) -> None:
    # The JFK clip is one microphone saved on two channels (correlation 0.9996).
    assert probe(samples / JFK, **GENEROUS).speaker_channels == ()


def test_probe_finds_one_voice_per_channel(tmp_path: Path) -> None:
    left = np.concatenate([tone(1.0, hz=300), np.zeros(SAMPLE_RATE, np.float32)])
    right = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), tone(1.0, hz=500)])
    info = probe(write_wav(tmp_path / "two.wav", [left, right]), **GENEROUS)
    assert info.channels == 2
    assert info.speaker_channels == (1, 2)


def test_probe_ignores_a_silent_channel(tmp_path: Path) -> None:
    voiced = tone(1.0)
    info = probe(write_wav(tmp_path / "one.wav", [voiced, np.zeros_like(voiced)]), **GENEROUS)
    assert info.speaker_channels == ()


@pytest.mark.parametrize(("container", "codec", "suffix", "expected"), [
    ("flac", "flac", "flac", ("flac", "flac")),
    ("mp3", "libmp3lame", "mp3", ("mp3", "mp3float")),
    ("ipod", "aac", "m4a", ("mov,mp4,m4a,3gp,3g2,mj2", "aac")),
    ("adts", "aac", "aac", ("aac", "aac")),
    ("ogg", "libopus", "opus", ("ogg", "opus")),
    ("webm", "libopus", "webm", ("matroska,webm", "opus")),
])
def test_probe_accepts_every_format_meeting_tools_export(
        tmp_path: Path, container: str, codec: str, suffix: str,
        expected: tuple[str, str]) -> None:
    path = encode(tmp_path / f"speech.{suffix}", tone(2.0, rate=48_000), container=container,
                  codec=codec)
    info = probe(path, **GENEROUS)
    assert info.container == expected[0]
    assert info.codec in {expected[1], expected[1].removesuffix("float")}
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)


def test_probe_ignores_the_file_name(samples: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "interview.mp3"
    renamed.write_bytes((samples / JFK).read_bytes())
    assert probe(renamed, **GENEROUS).container == "flac"


def _refusal(path: Path, **limits: float) -> str:
    with pytest.raises(InvalidAudio) as caught:
        probe(path, **{**GENEROUS, **limits})
    return caught.value.message


def test_probe_refuses_a_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert "empty (0 bytes)" in _refusal(path)


@pytest.mark.parametrize("content", [
    b"Notes from the session: the coachee talked about goals.\n" * 40,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 20,
])
def test_probe_refuses_a_renamed_document(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "recording.wav"
    path.write_bytes(content)
    assert "not audio we can read" in _refusal(path)


@pytest.mark.parametrize("name", [JFK, LIBRIVOX_0870])
def test_probe_refuses_a_truncated_file(samples: Path, tmp_path: Path, name: str) -> None:
    data = (samples / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    assert "is truncated" in _refusal(cut)


def test_probe_refuses_a_file_over_the_size_limit_before_decoding(samples: Path) -> None:
    message = _refusal(samples / JFK, max_bytes=1024 * 1024)
    assert message == "The file is 1.1 MB; a recording may be at most 1.0 MB."


def test_probe_refuses_a_recording_over_the_duration_limit(samples: Path) -> None:
    message = _refusal(samples / JFK, max_seconds=10)
    assert "11 seconds long; at most 10 seconds" in message


def test_probe_refuses_a_recording_whose_header_lies_about_its_length(tmp_path: Path) -> None:
    # Duration is measured by decoding, not only read from the header.
    path = encode(tmp_path / "long.mp3", tone(3.0, rate=48_000), container="mp3",
                  codec="libmp3lame")
    assert "at most 2 seconds" in _refusal(path, max_seconds=2)


@pytest.mark.parametrize(("container", "codec", "suffix"), [
    ("aiff", "pcm_s16be", "aiff"),
    ("ipod", "alac", "m4a"),
])
def test_probe_refuses_formats_outside_the_accepted_set(tmp_path: Path, container: str,
                                                        codec: str, suffix: str) -> None:
    path = encode(tmp_path / f"speech.{suffix}", tone(1.0, rate=48_000), container=container,
                  codec=codec)
    assert "not accepted" in _refusal(path)


def test_probe_refuses_a_file_without_a_sound_track(tmp_path: Path) -> None:
    import av

    path = tmp_path / "slides.mkv"
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("ffv1", rate=1)
        stream.width, stream.height = 16, 16
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in stream.encode(frame.reformat(format=stream.codec_context.pix_fmt)):
            out.mux(packet)
        out.mux(stream.encode(None))
    assert "no audio in it" in _refusal(path)


# --- iter_chunks ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ramp_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """7.3 s of 16 kHz mono whose every sample is distinct-ish, to check slices exactly."""
    rng = np.random.default_rng(5)
    samples = (rng.integers(-20_000, 20_000, round(7.3 * SAMPLE_RATE)) / 32767).astype(
        np.float32)
    path = write_wav(tmp_path_factory.mktemp("ramp") / "ramp.wav", [samples])
    with AudioReader(path) as reader:
        decoded = reader.read(0, 10**9)
    return path, decoded


def test_reader_returns_the_file_exactly(ramp_file: tuple[Path, np.ndarray]) -> None:
    _path, decoded = ramp_file
    assert len(decoded) == round(7.3 * SAMPLE_RATE)
    assert decoded.dtype == np.float32


def test_reader_refuses_to_go_backwards(ramp_file: tuple[Path, np.ndarray]) -> None:
    path, decoded = ramp_file
    with AudioReader(path) as reader:
        assert np.array_equal(reader.read(16_000, 32_000), decoded[16_000:32_000])
        with pytest.raises(ValueError, match="forward only"):
            reader.read(0, 100)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.floats(0.2, 8.0), overlap_share=st.floats(0.0, 0.9))
def test_chunks_cover_the_file_with_the_asked_overlap(
        ramp_file: tuple[Path, np.ndarray], chunk: float, overlap_share: float) -> None:
    path, decoded = ramp_file
    overlap = chunk * overlap_share
    chunks = list(iter_chunks(path, channel=None, chunk_seconds=chunk,
                              overlap_seconds=overlap))
    size = int(np.ceil(chunk * SAMPLE_RATE))
    step = size - round(overlap * SAMPLE_RATE)
    for index, piece in enumerate(chunks):
        start = round(piece.offset_seconds * SAMPLE_RATE)
        assert start == index * step
        assert np.array_equal(piece.samples, decoded[start:start + size])
        assert piece.samples.dtype == np.float32
    assert all(len(piece.samples) == size for piece in chunks[:-1])
    last = chunks[-1]
    assert round(last.offset_seconds * SAMPLE_RATE) + len(last.samples) == len(decoded)
    # No chunk after one that already reached the end of the file.
    assert len(chunks) == 1 or round(chunks[-2].offset_seconds * SAMPLE_RATE) + size < len(
        decoded)


def test_chunks_refuse_an_overlap_as_long_as_the_chunk(ramp_file: tuple[Path, np.ndarray]) -> None:
    with pytest.raises(ValueError, match="overlap"):
        list(iter_chunks(ramp_file[0], channel=None, chunk_seconds=2, overlap_seconds=2))


def test_chunks_select_one_channel_or_mix_down(tmp_path: Path) -> None:
    left, right = tone(2.0, hz=300, amplitude=0.4), tone(2.0, hz=700, amplitude=0.2)
    path = write_wav(tmp_path / "stereo.wav", [left, right])

    def read(channel: int | None) -> np.ndarray:
        return np.concatenate([c.samples for c in iter_chunks(
            path, channel=channel, chunk_seconds=0.5, overlap_seconds=0)])

    assert np.allclose(read(0), left, atol=1e-4)
    assert np.allclose(read(1), right, atol=1e-4)
    mixed = read(None)
    # Mixdown carries both voices: it correlates with each channel, and equals neither.
    assert np.corrcoef(mixed, left)[0, 1] > 0.5
    assert np.corrcoef(mixed, right)[0, 1] > 0.2
    assert not np.allclose(mixed, left, atol=1e-2)
    with pytest.raises(ValueError, match="out of range"):
        list(iter_chunks(path, channel=2, chunk_seconds=1, overlap_seconds=0))


def test_chunks_resample_to_16_khz(samples: Path) -> None:
    chunks = list(iter_chunks(samples / JFK, channel=None, chunk_seconds=4, overlap_seconds=1))
    assert [c.offset_seconds for c in chunks] == [0.0, 3.0, 6.0, 9.0]
    total = chunks[-1].offset_seconds + chunks[-1].duration_seconds
    assert total == pytest.approx(11.0, abs=0.01)

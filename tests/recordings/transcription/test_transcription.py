"""Transcription in bounded chunks: the seam rule, speakers per channel, progress, real Whisper."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachprog.recordings.transcription.audio import SAMPLE_RATE, AudioReader
from coachprog.recordings.transcription.engine import (
    RawSegment,
    TranscriptionSettings,
    WhisperTranscriber,
    confidence_of,
    quietest_cut,
    transcribe_file,
)
from tests.recordings.transcription.helpers import (
    JFK,
    LIBRIVOX_0870,
    ScriptTranscriber,
    Word,
    script_audio,
    tone,
    word_error_rate,
    words,
    write_wav,
)

# Pure-code settings: no model is loaded by the fake-transcriber tests.
FAKE = TranscriptionSettings(model_path="unused")


def test_word_error_rate_counts_substitutions_insertions_and_deletions() -> None:
    assert word_error_rate("Ask not, what!", "ask not what") == 0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("a b", "a b c d") == 1.0


def test_quietest_cut_lands_in_the_pause() -> None:
    audio = np.concatenate([tone(1.0), np.zeros(SAMPLE_RATE // 2, np.float32), tone(1.0)])
    cut = quietest_cut(audio, search_from=SAMPLE_RATE // 2)
    assert SAMPLE_RATE + 1600 <= cut <= SAMPLE_RATE * 3 // 2 - 1600


def test_confidence_is_the_probability_of_the_average_log_probability() -> None:
    assert confidence_of(0.0) == 1.0
    assert confidence_of(math.log(0.5)) == 0.5
    assert confidence_of(None) is None
    assert confidence_of(float("nan")) is None


@st.composite
def scripts(draw: st.DrawFn) -> tuple[list[Word], float]:
    count = draw(st.integers(1, 25))
    script, time = [], draw(st.floats(0.0, 1.0))
    for index in range(count):
        length = draw(st.floats(0.1, 0.6))
        script.append(Word(f"w{index}", round(time, 3), round(time + length, 3)))
        time += length + draw(st.floats(0.3, 1.0))
    return script, time


@settings(max_examples=60, deadline=None)
@given(script=scripts(), chunk=st.floats(0.3, 6.0), seam=st.floats(1.2, 3.0))
def test_seams_never_lose_or_repeat_a_word(script: tuple[list[Word], float], chunk: float,
                                           seam: float) -> None:
    words_, total = script
    with tempfile.TemporaryDirectory() as folder:
        path = write_wav(Path(folder) / "script.wav", [script_audio(words_, total)])
        fake = ScriptTranscriber(words_)
        result = transcribe_file(path, fake, TranscriptionSettings(
            model_path="unused", chunk_seconds=chunk, seam_seconds=seam))
    assert [s.text for s in result.segments] == [w.text for w in words_]
    # Every sample was handed to the engine exactly once, in order.
    position = 0
    for offset, length in fake.windows:
        assert round(offset * SAMPLE_RATE) == position
        position += length
    assert position == round(total * SAMPLE_RATE)
    assert all(s.speaker == "unknown" for s in result.segments)


def test_chunks_are_cut_in_pauses_not_at_fixed_times(tmp_path: Path) -> None:
    words_ = [Word(f"w{i}", 0.2 + i * 0.9, 0.8 + i * 0.9) for i in range(10)]
    path = write_wav(tmp_path / "s.wav", [script_audio(words_, 9.5)])
    fake = ScriptTranscriber(words_)
    transcribe_file(path, fake, TranscriptionSettings(
        model_path="unused", chunk_seconds=2.0, seam_seconds=1.5))
    starts = [offset for offset, _length in fake.windows][1:]
    assert starts, "the file should have been cut"
    for start in starts:
        assert not any(w.start < start < w.end for w in words_), start


def test_progress_rises_to_100_and_never_falls(tmp_path: Path) -> None:
    words_ = [Word(f"w{i}", 0.5 + i, 0.9 + i) for i in range(20)]
    path = write_wav(tmp_path / "s.wav", [script_audio(words_, 21.0)])
    seen: list[int] = []
    transcribe_file(path, ScriptTranscriber(words_), TranscriptionSettings(
        model_path="unused", chunk_seconds=2.0, seam_seconds=1.2), progress=seen.append)
    assert seen[-1] == 100
    assert seen == sorted(seen)
    assert len(seen) > 5
    assert all(0 <= p <= 100 for p in seen)


def test_each_voiced_channel_is_a_speaker_merged_in_time_order(tmp_path: Path) -> None:
    left_words = [Word("hello", 0.5, 1.0), Word("again", 4.0, 4.5)]
    right_words = [Word("hi", 2.0, 2.5), Word("bye", 6.0, 6.4)]
    left, right = script_audio(left_words, 7.0), script_audio(right_words, 7.0)
    path = write_wav(tmp_path / "call.wav", [left, right])

    class PerChannel(ScriptTranscriber):
        def transcribe(self, samples: np.ndarray, *, offset_seconds: float) -> list[RawSegment]:
            self.script = left_words + right_words
            return super().transcribe(samples, offset_seconds=offset_seconds)

    result = transcribe_file(path, PerChannel([]), FAKE)
    assert [(s.speaker, s.text) for s in result.segments] == [
        ("speaker 1", "hello"), ("speaker 2", "hi"), ("speaker 1", "again"),
        ("speaker 2", "bye")]


def test_result_carries_the_model_details(tmp_path: Path) -> None:
    words_ = [Word("one", 0.2, 0.5)]
    path = write_wav(tmp_path / "s.wav", [script_audio(words_, 1.0)])
    fake = ScriptTranscriber(words_, model_name="fake-model", model_version="7",
                             parameters={"beam_size": 1})
    result = transcribe_file(path, fake, FAKE)
    assert (result.model_name, result.model_version, result.parameters) == (
        "fake-model", "7", {"beam_size": 1})
    assert result.duration_seconds == pytest.approx(1.0)
    assert result.segments[0].confidence == pytest.approx(math.exp(-0.1), abs=1e-3)
    assert result.as_dict()["segments"][0]["text"] == "one"


def test_settings_come_from_the_app_config() -> None:
    chosen = TranscriptionSettings.from_config({
        "COACHPROG_WHISPER_MODEL_PATH": "/models/large-v3", "COACHPROG_WHISPER_MODEL_NAME":
        "large-v3", "COACHPROG_WHISPER_COMPUTE_TYPE": "int8_float32",
        "COACHPROG_WHISPER_BEAM_SIZE": "2", "COACHPROG_WHISPER_THREADS": 4,
        "COACHPROG_WHISPER_VAD": "false", "COACHPROG_TRANSCRIBE_CHUNK_SECONDS": "120"})
    assert (chosen.model_path, chosen.model_name, chosen.compute_type, chosen.beam_size,
            chosen.threads, chosen.vad_filter, chosen.chunk_seconds) == (
        "/models/large-v3", "large-v3", "int8_float32", 2, 4, False, 120.0)
    default = TranscriptionSettings.from_config({})
    assert (default.model_name, default.compute_type, default.beam_size, default.threads,
            default.vad_filter, default.chunk_seconds) == ("tiny.en", "int8", 5, 2, True, 300)
    assert (Path(default.model_path) / "model.bin").is_file()


def test_a_missing_model_is_refused_never_downloaded(tmp_path: Path) -> None:
    from coachprog.recordings.transcription.engine import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="never downloaded"):
        WhisperTranscriber(TranscriptionSettings(model_path=str(tmp_path / "tiny.en")))


# --- the real model -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", [JFK, LIBRIVOX_0870])
def test_whisper_transcribes_the_samples_within_10_percent_wer(
        samples: Path, whisper: WhisperTranscriber, name: str) -> None:
    reference = (samples / name).with_suffix(".txt").read_text()
    result = transcribe_file(samples / name, whisper, TranscriptionSettings())
    text = " ".join(s.text for s in result.segments)
    assert word_error_rate(reference, text) <= 0.10, text
    assert all(s.speaker == "unknown" for s in result.segments)
    assert all(0 < (s.confidence or 0) <= 1 for s in result.segments)
    assert result.model_name == "tiny.en"
    assert result.parameters["vad_filter"] is True


@pytest.mark.slow
def test_whisper_loses_no_word_at_a_seam_placed_mid_word(
        samples: Path, whisper: WhisperTranscriber) -> None:
    path = samples / LIBRIVOX_0870
    with AudioReader(path) as reader:
        audio = reader.read(0, 10**9)
    # At 3.0 s the reader is mid-word ("consider how | much"): a fixed cut would split it.
    around = audio[int(2.95 * SAMPLE_RATE): int(3.05 * SAMPLE_RATE)]
    assert np.sqrt(np.mean(around**2)) > 0.01
    chunked = TranscriptionSettings(chunk_seconds=3.0, seam_seconds=2.0)
    result = transcribe_file(path, whisper, chunked)
    assert len(result.segments) >= 2
    reference = path.with_suffix(".txt").read_text()
    text = " ".join(s.text for s in result.segments)
    assert word_error_rate(reference, text) <= 0.10, text
    assert len(words(text)) == len(words(reference))


@pytest.mark.slow
def test_whisper_labels_the_speaker_of_each_channel(
        samples: Path, whisper: WhisperTranscriber, tmp_path: Path) -> None:
    with AudioReader(samples / JFK) as reader:
        first = reader.read(0, 10**9)
    with AudioReader(samples / LIBRIVOX_0870) as reader:
        second = reader.read(0, 10**9)
    gap = np.zeros(SAMPLE_RATE, np.float32)
    left = np.concatenate([first, gap, np.zeros_like(second)])
    right = np.concatenate([np.zeros_like(first), gap, second])
    path = write_wav(tmp_path / "call.wav", [left, right])
    result = transcribe_file(path, whisper, TranscriptionSettings())
    speakers = [s.speaker for s in result.segments]
    assert set(speakers) == {"speaker 1", "speaker 2"}
    assert speakers == sorted(speakers), "merged in time order: JFK speaks first"
    said = {speaker: " ".join(s.text for s in result.segments if s.speaker == speaker)
            for speaker in ("speaker 1", "speaker 2")}
    assert word_error_rate((samples / "fw_jfk.txt").read_text(), said["speaker 1"]) <= 0.10
    reference = (samples / LIBRIVOX_0870).with_suffix(".txt").read_text()
    assert word_error_rate(reference, said["speaker 2"]) <= 0.10

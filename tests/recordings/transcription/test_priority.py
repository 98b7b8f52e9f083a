"""The transcription worker thread lowers its own CPU priority (not the process's), once, so
the embedded worker leaves the CPU to web requests (bench/transcription.py --latency)."""

from __future__ import annotations

import os
import threading

import pytest

from coachprog.recordings.transcription import jobs


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread priorities here")
def test_only_the_calling_thread_is_lowered_and_only_once() -> None:
    seen: dict[str, int] = {}

    def worker() -> None:
        me = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, me)
        seen["applied"] = jobs.lower_thread_priority({"COACHPROG_TRANSCRIBE_NICE": 5})
        seen["again"] = jobs.lower_thread_priority({"COACHPROG_TRANSCRIBE_NICE": 5})
        seen["delta"] = os.getpriority(os.PRIO_PROCESS, me) - before

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["applied"] == 5 and seen["again"] == 0
    assert seen["delta"] == min(5, 19 - main_before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before


@pytest.mark.parametrize(("value", "expected"), [(0, 0), ("off", jobs.DEFAULT_NICE)])
def test_zero_turns_it_off_and_nonsense_means_the_default(value: object,
                                                          expected: int) -> None:
    result: dict[str, int] = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "applied", jobs.lower_thread_priority({"COACHPROG_TRANSCRIBE_NICE": value})))
    thread.start()
    thread.join()
    assert result["applied"] == expected

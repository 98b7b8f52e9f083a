"""`flask fidelity score-csv FILE` and `flask fidelity refresh`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from coachprog.audits.fidelity.models import FidelityDriftFlag
from coachprog.extensions import db
from tests.audits.fidelity.builders import coach_with_sessions
from tests.audits.fidelity.test_annomi import ANNOMI

HEADER = "transcript_id,mi_quality,interlocutor,utterance_text\n"


def _write(tmp_path: Path, text: str, name: str = "u.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_one_row_per_transcript(runner: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER
                  + 'a,high,therapist,"What would you like to talk about?"\n'
                  + "a,high,client,My job.\n"
                  + "a,high,therapist,It sounds like your job is on your mind.\n"
                  + "b,low,therapist,You should quit smoking now.\n"
                  + "b,low,client,Okay.\n")
    result = runner.invoke(args=["fidelity", "score-csv", path])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["transcript_id"] for r in rows] == ["a", "b"]
    a, b = rows
    assert (a["coach_turns"], a["questions"], a["reflections"], a["advice"]) == ("2", "1", "1", "0")
    assert a["question_share"] == "0.5000" and a["listening_ratio"] == "1.0000"
    assert b["advice"] == "1" and b["question_ratio"] == "0.0000"


def test_the_annomi_file_gives_67_rows(runner: Any) -> None:
    result = runner.invoke(args=["fidelity", "score-csv", str(ANNOMI)])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == 1 + 67


def test_missing_columns_are_named(runner: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "transcript_id,speaker,text\n1,therapist,Hi\n")
    result = runner.invoke(args=["fidelity", "score-csv", path])
    assert result.exit_code != 0
    assert "missing column(s): interlocutor, utterance_text" in result.output


def test_empty_file(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["fidelity", "score-csv", _write(tmp_path, "")])
    assert result.exit_code != 0 and "the file is empty" in result.output
    result = runner.invoke(args=["fidelity", "score-csv", _write(tmp_path, HEADER, "h.csv")])
    assert result.exit_code != 0 and "no utterance rows" in result.output


def test_unreadable_files(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["fidelity", "score-csv", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0 and "no such file" in result.output
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    result = runner.invoke(args=["fidelity", "score-csv", str(binary)])
    assert result.exit_code != 0 and "cannot be read as UTF-8" in result.output


def test_refresh_opens_flags(runner: Any) -> None:
    w = coach_with_sessions("LAA")
    db.session.commit()
    result = runner.invoke(args=["fidelity", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 with an open drift flag" in result.output
    assert db.session.query(FidelityDriftFlag).filter_by(coach_person_id=w.coach.id).count() == 1


@pytest.mark.parametrize("content", [
    b"",
    b"transcript_id,interlocutor\n1,therapist\n",
    b"transcript_id,interlocutor,utterance_text\n1,therapist,caf\xe9 au lait?\n",
    b"\xff\xfe\x00\x81garbage",
    HEADER.encode(),
])
def test_bad_input_exits_non_zero_without_a_traceback(runner: Any, tmp_path: Path,
                                                       content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["fidelity", "score-csv", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "Error" in result.output


def test_a_second_refresh_says_it_recomputed_nothing(runner: Any) -> None:
    coach_with_sessions("LA")
    db.session.commit()
    first = runner.invoke(args=["fidelity", "refresh"])
    assert first.exit_code == 0, first.output
    assert "2 transcript(s) changed, 2 session(s) recomputed, 0 removed" in first.output
    second = runner.invoke(args=["fidelity", "refresh"])
    assert second.exit_code == 0, second.output
    assert "0 transcript(s) changed, 0 session(s) recomputed, 0 removed" in second.output

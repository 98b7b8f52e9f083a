"""The pure rules of a person's data: pseudonyms, tombstones, two-person approval, and the
whole-word replacement the erasure's sweep uses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coachprog.people.data_rights.domain import (
    PSEUDONYM_DOMAIN,
    approval_problem,
    cancel_problem,
    erased_refusal,
    matches_tombstone,
    pseudonym_for,
    reason_problem,
    tombstone_digest,
)
from coachprog.personal_data import replace_in_text, replace_in_value


def test_pseudonym_parts_come_from_the_token() -> None:
    alias = pseudonym_for("3F9A1C")
    assert alias.name == "Erased person 3f9a1c"
    assert alias.email == f"erased-3f9a1c@{PSEUDONYM_DOMAIN}"
    assert alias.employee_id == "ERASED-3f9a1c"


def test_tombstone_recognises_the_id_however_it_is_written_but_keeps_no_copy() -> None:
    salt = b"0123456789abcdef"
    digest = tombstone_digest(salt, "E1003")
    assert "E1003" not in digest and len(digest) == 64
    assert matches_tombstone(salt, digest, " e1003 ")
    assert not matches_tombstone(salt, digest, "E10030")
    assert not matches_tombstone(b"another salt....", digest, "E1003")


@given(st.text(min_size=1, max_size=30))
def test_a_tombstone_matches_its_own_id_only(employee_id: str) -> None:
    salt = b"s" * 16
    digest = tombstone_digest(salt, employee_id)
    assert matches_tombstone(salt, digest, employee_id)
    assert not matches_tombstone(salt, digest, employee_id + "x")


def test_the_requester_cannot_approve_their_own_request() -> None:
    problem = approval_problem(status="pending", requested_by_id=7, approver_id=7)
    assert problem is not None and "second admin" in problem
    assert approval_problem(status="pending", requested_by_id=7, approver_id=8) is None
    # The operator's shell (no account) asked: any admin may approve.
    assert approval_problem(status="pending", requested_by_id=None, approver_id=8) is None
    assert "already erased" in (approval_problem(status="erased", requested_by_id=7,
                                                 approver_id=8) or "")
    assert cancel_problem(status="cancelled") is not None
    assert cancel_problem(status="pending") is None


def test_reasons_are_asked_for_in_words() -> None:
    assert reason_problem("") is not None
    assert reason_problem("x" * 1001) is not None
    assert reason_problem("Asked on 1 December (ticket 7)") is None


def test_the_import_refusal_says_what_to_do() -> None:
    text = erased_refusal("2026-12-07")
    assert "erased on 2026-12-07" in text and "Remove the row" in text


def test_replacement_takes_whole_words_only_and_ignores_case() -> None:
    pairs = [("ann lee", "Erased person 1"), ("E1", "ERASED-1")]
    assert replace_in_text("Ann Lee met Joanne Leeds", pairs) == "Erased person 1 met Joanne Leeds"
    assert replace_in_text("E1 reports to E10", pairs) == "ERASED-1 reports to E10"


def test_replacement_reaches_every_string_of_a_json_value() -> None:
    pairs = [("a@b.example", "erased@x.invalid")]
    value = {"to": ["a@b.example"], "a@b.example": {"n": 1, "cc": "A@B.example"}}
    assert replace_in_value(value, pairs) == {
        "to": ["erased@x.invalid"], "erased@x.invalid": {"n": 1, "cc": "erased@x.invalid"}}


def test_identifiers_too_short_to_sweep_safely_are_left_to_the_own_rows() -> None:
    from coachprog.personal_data import ErasureContext, Pseudonym, Subject

    subject = Subject(person_id=1, user_ids=(2,), employee_id="E1", name="Li",
                      emails=("li@example.com",), display_names=("Li Wen",))
    ctx = ErasureContext(subject, Pseudonym("Erased person 1", "e@x.invalid", "ERASED-1"), None)
    assert ctx.replacements == [("li@example.com", "e@x.invalid"),
                                ("Li Wen", "Erased person 1")]

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachprog.auth.domain import MIN_PASSWORD_LENGTH, password_problems
from coachprog.roles import Role, parse_role


def test_parse_role_accepts_every_role_in_any_case() -> None:
    for role in Role:
        assert parse_role(f"  {role.value.upper()} ") is role


def test_parse_role_names_the_valid_roles_when_unknown() -> None:
    with pytest.raises(ValueError, match="valid roles: admin, master_coach"):
        parse_role("superuser")


def test_password_problems_accepts_a_long_phrase() -> None:
    assert password_problems("four quiet rivers meet", email="ana@example.com") == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "more than three"),
        ("my-anapaula-is-great", "e-mail name"),
        ("x" * 300 + "abcd", "at most"),
    ],
)
def test_password_problems_explain_each_weakness(password: str, fragment: str) -> None:
    problems = password_problems(password, email="anapaula@example.com")
    assert any(fragment in p for p in problems), problems


@given(st.text(min_size=0, max_size=MIN_PASSWORD_LENGTH - 1))
def test_every_short_password_is_refused(password: str) -> None:
    assert password_problems(password)

"""Refusals in words, always: every form of the app, posted empty by every role that may use
it, comes back with the error summary at the top (role="alert", each problem named, field
problems linking to their field) — never a silent re-render. The forms and roles are the access
matrix's, so a new form is covered as soon as it is in the matrix."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.access import ROLES
from tests.conftest import Auth
from tests.test_access import CASES, _objects

REFUSED = (400, 409, 413, 422)
# Refused outright (4xx), or answered 200 with the form again (e.g. the account page).
FORM_CASES = [(case, role) for case in CASES if case.method == "POST" and not case.api
              for role in ROLES if case.expected[role] in (*REFUSED, 200)]


def test_there_are_forms_to_check() -> None:
    assert len(FORM_CASES) > 40


@pytest.mark.parametrize(("case", "role"), FORM_CASES,
                         ids=[f"{c.endpoint}-{r}" for c, r in FORM_CASES])
def test_refused_form_shows_an_error_summary(client: FlaskClient, auth: Auth, case: object,
                                             role: str) -> None:
    from tests.conftest import csrf_token

    objects = _objects()
    if case.setup is not None:  # type: ignore[attr-defined]
        objects |= case.setup()  # type: ignore[attr-defined]
    url = case.url(objects)  # type: ignore[attr-defined]
    if role != "anonymous":
        auth.login_as(role)
    token = csrf_token(client, "/login" if role == "anonymous" else "/account")
    response = client.post(url, data={**(case.body or {}), "csrf_token": token})  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)
    if response.status_code not in REFUSED and 'aria-invalid="true"' not in html:
        return  # accepted as it was (nothing to refuse in an empty form)
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert summary, f"{case.endpoint} answered {response.status_code} with no error summary"  # type: ignore[attr-defined]
    items = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    assert items and all(re.sub(r"<[^>]+>", "", item).strip() for item in items)
    # Every link in the summary points at an element of the page.
    for anchor in re.findall(r'href="#([^"]+)"', summary.group(1)):
        assert f'id="{anchor}"' in html, f"summary links to #{anchor}, which is not on the page"

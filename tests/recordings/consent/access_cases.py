"""Consent routes in the access matrix. The matrix user is never the coachee or the coach of an
engagement (their own pages are tested in test_views.py: the coachee reads, gives and withdraws
their consent; the coach reads it and records the signed form, and neither downloads the form
nor withdraws for the coachee), so only admins get in there; nobody but the coachee gives
consent in the app, admins included. The withdrawal link needs no sign-in: the
token is the proof, and anyone holding it gets the page."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses
from tests.recordings.consent.builders import (
    matrix_engagement,
    matrix_signed_consent,
    matrix_text,
)

EVERYONE = statuses(200, anonymous=200)


def _engagement(o: dict) -> str:
    return f"/consent/engagements/{o['engagement_id']}"


CASES = [
    Case("consent.list_texts", "GET", lambda o: "/consent/texts", ADMIN_ONLY),
    Case("consent.create_text", "GET", lambda o: "/consent/texts/new", ADMIN_ONLY),
    # An empty form: the admin gets it back with "Give the version a label" (400).
    Case("consent.create_text", "POST", lambda o: "/consent/texts/new",
         statuses(403, admin=400)),
    Case("consent.view_text", "GET", lambda o: f"/consent/texts/{o['text_id']}", ADMIN_ONLY,
         setup=matrix_text),
    Case("consent.retire_text", "POST", lambda o: f"/consent/texts/{o['text_id']}/retire",
         statuses(403, admin=302), setup=matrix_text),
    Case("consent.engagement_consent", "GET", _engagement, ADMIN_ONLY, setup=matrix_engagement),
    Case("consent.acknowledge", "POST", lambda o: _engagement(o) + "/acknowledge",
         statuses(403), body={"scope_record": "y"}, setup=matrix_engagement),
    # No file attached: the admin gets the form back with the reason (400).
    Case("consent.record_signed", "POST", lambda o: _engagement(o) + "/signed",
         statuses(403, admin=400), body={"scope_record": "y"}, setup=matrix_engagement),
    # No reason given: the admin gets the page back with "Say why" (400).
    Case("consent.withdraw_on_behalf", "POST",
         lambda o: f"/consent/consents/{o['consent_id']}/withdraw",
         statuses(403, admin=400), setup=matrix_signed_consent),
    # Only the coachee withdraws here; the matrix's accounts are not the coachee.
    Case("consent.withdraw_mine", "POST",
         lambda o: f"/consent/consents/{o['consent_id']}/withdraw-mine",
         statuses(403), setup=matrix_signed_consent),
    Case("consent.signed_form", "GET", lambda o: f"/consent/consents/{o['consent_id']}/form",
         ADMIN_ONLY, setup=matrix_signed_consent),
    Case("consent.withdraw", "GET", lambda o: f"/consent/withdraw/{o['token']}", EVERYONE,
         setup=matrix_signed_consent),
    Case("consent.withdraw", "GET", lambda o: "/consent/withdraw/not-a-real-token",
         statuses(404, anonymous=404)),
    Case("consent.withdraw", "POST", lambda o: f"/consent/withdraw/{o['token']}", EVERYONE,
         setup=matrix_signed_consent),
]

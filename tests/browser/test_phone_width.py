"""Pages fit a phone: each demo login, on a 390 px wide screen, walks every page it can reach
from its home page and menu (GET links on this site, breadth first), and no page is wider than
the screen — wide tables scroll inside their own box. The menu folds behind one button there.

The organisation is the seeded demo (`flask seed`), so pages carry realistic content."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect

from coachprog.seed.people import DEMO_ACCOUNTS
from tests.browser.journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGES_PER_ROLE = 60
# Links that are not pages: downloads, audio, sign-out, API, one-use links.
SKIP = re.compile(r"(\.csv|\.pdf|\.json|\.txt|\.docx|\.zip|/audio|/download|/attachment|"
                  r"/logout|/api/|/static/|/verify/|/withdraw/|/invitations/|/export)")
PASSWORD = "demo password for the phone test"


@pytest.fixture
def demo(app: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPROG_DEMO_PASSWORD", PASSWORD)
    result = runner.invoke(args=["seed", "--people", "120"])
    assert result.exit_code == 0, result.output


def _links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(href):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _too_wide(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# The deepest elements that stick out past the right edge, to say what to fix.
_CULPRITS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && ![...el.children].some(
        c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
               + (el.id ? '#' + el.id : ''));
    }
  }
  return [...new Set(out)].slice(0, 3);
}"""


def _route(link: str) -> str:
    """/people/34 and /people/59 are the same page with other data: visit one of each."""
    path, _, query = link.partition("?")
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return re.sub(r"/\d+", "/<id>", path) + ("?" + "&".join(keys) if keys else "")


@pytest.mark.parametrize("email", [email for email, _, _ in DEMO_ACCOUNTS])
def test_every_reachable_page_fits_a_phone(demo: None, browser: Any, live_server: str,
                                           email: str) -> None:
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, email, PASSWORD)
        # The menu is folded behind its button and opens on a tap.
        toggle = page.get_by_role("button", name="Menu")
        expect(toggle).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        toggle.click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()

        queue, seen, wide, visited = ["/"], {_route("/")}, [], 0
        while queue and visited < PAGES_PER_ROLE:
            url = queue.pop(0)
            response = page.goto(url)
            visited += 1
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status < 500, f"{url} answered {response.status}"
            if (extra := _too_wide(page)) > 0:
                wide.append(f"{url} (+{extra}px: {', '.join(page.evaluate(_CULPRITS))})")
            for link in _links(page):
                if _route(link) not in seen:
                    seen.add(_route(link))
                    queue.append(link)
        assert visited >= 3, f"{email} reached only {visited} pages"
        assert wide == [], f"{email}: pages wider than a 390 px phone: {wide}"
    finally:
        context.close()

"""Browser journeys: the session app served on a free local port, driven by Debian's Chromium.

Chromium comes from Debian (`make browser-deps`), never from a Playwright download. A missing
browser fails these tests loudly; COACHPROG_SKIP_BROWSER=1 skips them instead (for machines
that cannot install it). A failing test leaves a full-page screenshot and its console log in
test-artifacts/.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Short waits keep a broken page from stalling the suite; a job page gets longer on its own.
ACTION_TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """No access log on the test output; errors are still reported."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app on 127.0.0.1 (port 0: the OS picks a free one), sharing the tests'
    database; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if os.environ.get("COACHPROG_SKIP_BROWSER") == "1":
        pytest.skip("COACHPROG_SKIP_BROWSER=1: browser journeys skipped")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser journeys need Debian's chromium. Install it "
            "with `make browser-deps` (apt-get install chromium), or set "
            "COACHPROG_SKIP_BROWSER=1 to skip these tests.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a dev dependency
        pytest.fail(f"the playwright package is missing ({exc}); run `make test` to install "
                    "the dev dependencies", pytrace=False)
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:
            pytest.fail(f"{CHROMIUM} did not start under Playwright: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console messages of type "error" and uncaught page errors seen by `page`."""
    return []


@pytest.fixture
def dialogs() -> list[str]:
    """The questions `page` was asked (confirm dialogs); each is accepted unless a test says
    otherwise by adding its own handler first."""
    return []


@pytest.fixture
def page(browser: Any, live_server: str, console_errors: list[str],
         dialogs: list[str]) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page whose relative URLs hit the live server.
    Confirm dialogs are answered yes, as the person walking the journey would."""
    context = browser.new_context(base_url=live_server, locale="en-GB",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: Any) -> None:
        if message.type == "error":
            console_errors.append(f"{message.text} [{message.location.get('url', '')}]")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if getattr(page, "dismiss_dialogs", False):
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", on_dialog)
    yield page
    context.close()


ARTIFACTS = "test-artifacts"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        page = getattr(item, "funcargs", {}).get("page")
        if page is not None and not page.is_closed():
            folder = item.config.rootpath / ARTIFACTS
            folder.mkdir(exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")
            shot = folder / f"{stem}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
            except Exception as exc:  # the report must survive a dead page
                report.sections.append(("browser", f"no screenshot: {exc}"))
            else:
                report.sections.append(("browser", f"screenshot: {shot} (at {page.url})"))
            errors = item.funcargs.get("console_errors") or []
            if errors:
                (folder / f"{stem}.console.txt").write_text("\n".join(errors) + "\n")
    return report

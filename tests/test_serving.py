"""`flask serve` behind a reverse proxy, and one-use links kept out of the logs (issue 19).

The proxy test starts a REAL waitress process (`flask --app wsgi serve`) on its own SQLite
instance and talks to it over a socket as a proxy would: waitress must trust the forwarded
scheme and client address, so HTTPS is seen (200 with HSTS, no redirect loop), the per-IP
sign-in limit counts each client separately and the audit log names the client."""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from coachprog.runtime.logmask import MaskOneUseLinks, mask_one_use_links

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
TOKEN = "Zq9xTokenThatMustNeverBeLogged_0123456789abcdef"


def test_mask_hides_every_one_use_token_but_its_first_characters() -> None:
    text = (f"see http://x/sprints/invitations/{TOKEN} and /consent/withdraw/{TOKEN}?a=1 "
            f"or /password/reset/{TOKEN}; /people/12 stays")
    masked = mask_one_use_links(text)
    assert TOKEN not in masked
    assert masked.count("Zq9x…[masked]") == 3
    assert "/consent/withdraw/Zq9x…[masked]?a=1" in masked and "/people/12 stays" in masked


def test_every_log_record_is_masked_whatever_logger_writes_it(app: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").warning("GET /consent/withdraw/%s 200", TOKEN)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "/password/reset/%s",
                                   (TOKEN,), None)
        MaskOneUseLinks().filter(record)
    assert TOKEN not in caplog.text and "/consent/withdraw/Zq9x…[masked]" in caplog.text
    assert record.getMessage() == "/password/reset/Zq9x…[masked]"


def test_the_outbox_log_shows_one_use_links_masked(app: Any, caplog: Any) -> None:
    from coachprog.extensions import db
    from coachprog.notifications.services import send_email
    from tests.conftest import wait_for_job

    with caplog.at_level(logging.INFO, logger="coachprog.outbox"):
        message = send_email(kind="consent.withdrawal_link", to_email="coachee@example.org",
                             subject="Your withdrawal link", secrets=[TOKEN],
                             body=f"Withdraw here: http://x/consent/withdraw/{TOKEN}")
        db.session.commit()
        from coachprog.jobs.models import Job

        job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
        wait_for_job(job.id)
    assert message.id is not None
    assert "Withdraw here: http://x/consent/withdraw/Zq9x…[masked]" in caplog.text
    assert all(TOKEN not in str(record.args) for record in caplog.records)
    assert TOKEN not in caplog.text


# --- a real waitress process behind a pretend proxy -------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = _free_port()
    database = tmp_path / "proxy.db"
    env = {**os.environ,
           "COACHPROG_INSTANCE_PATH": str(tmp_path),
           "COACHPROG_DATABASE_URL": f"sqlite:///{database}",
           "COACHPROG_SECRET_KEY": "proxy-test-secret",
           "COACHPROG_PROXY_HOPS": "1",
           "COACHPROG_FORCE_HTTPS": "true",
           "COACHPROG_LOGIN_LIMIT_IP": "3 per 15 minutes",
           "COACHPROG_LOGIN_LIMIT_ACCOUNT": "100 per 15 minutes",
           "COACHPROG_QUEUE": "sqlite",
           "HOST": "127.0.0.1", "PORT": str(port)}
    for name in ("COACHPROG_REDIS_URL", "COACHPROG_SMTP_HOST", "COACHPROG_TRUSTED_PROXY"):
        env.pop(name, None)
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True,  # noqa: S603
                   capture_output=True, timeout=120)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [*FLASK, "serve", "--threads", "2"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "waitress did not start"
                    time.sleep(0.2)
            yield {"port": port, "database": database, "log": log}
        finally:
            process.terminate()
            process.wait(timeout=20)


def _request(port: int, method: str, path: str, *, client_ip: str, proto: str | None = "https",
             body: str | None = None, cookies: SimpleCookie | None = None) -> Any:
    # As a browser on https://coach.example.org sends it (CSRF checks the Referer over HTTPS).
    headers = {"X-Forwarded-For": client_ip, "Host": "coach.example.org",
               "Referer": "https://coach.example.org/login"}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.text = response.read().decode()
    connection.close()
    if cookies is not None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    return response


def _failed_sign_in(port: int, client_ip: str, attempt: int) -> int:
    from urllib.parse import urlencode

    cookies: SimpleCookie = SimpleCookie()
    page = _request(port, "GET", "/login", client_ip=client_ip, cookies=cookies)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token, page.text[:500]
    form = urlencode({"email": f"nobody{attempt}@example.org", "password": "wrong",
                      "csrf_token": token.group(1)})
    return int(_request(port, "POST", "/login", client_ip=client_ip, body=form,
                        cookies=cookies).status)


def test_behind_a_proxy_https_is_seen_and_each_client_counted_on_its_own(
        served: dict[str, Any]) -> None:
    port = served["port"]
    # The proxy says the client spoke HTTPS: the page is served with HSTS, no redirect.
    page = _request(port, "GET", "/login", client_ip="198.51.100.7")
    assert page.status == 200, (page.status, page.getheader("Location"))
    assert "max-age=" in (page.getheader("Strict-Transport-Security") or "")
    # Plain HTTP through the proxy is still sent to HTTPS (forced), once.
    plain = _request(port, "GET", "/login", client_ip="198.51.100.7", proto="http")
    assert plain.status in (301, 302)
    assert plain.getheader("Location").startswith("https://coach.example.org/login")

    # Three failed sign-ins from one client use up its limit; another client is unaffected.
    assert [_failed_sign_in(port, "198.51.100.7", n) for n in range(4)] == [200, 200, 200, 429]
    assert _failed_sign_in(port, "203.0.113.9", 9) == 200

    with sqlite3.connect(served["database"]) as connection:
        addresses = [row[0] for row in connection.execute(
            "SELECT ip FROM audit_entries WHERE action = 'auth.login_failed' ORDER BY id")]
    assert addresses == ["198.51.100.7"] * 3 + ["203.0.113.9"]

    # The access log names the client and never a one-use token.
    _request(port, "GET", f"/consent/withdraw/{TOKEN}", client_ip="198.51.100.7")
    deadline = time.monotonic() + 5
    while "/consent/withdraw/" not in served["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = served["log"].read_text()
    assert '198.51.100.7 "GET /login" 200' in log
    assert "/consent/withdraw/Zq9x…[masked]" in log and TOKEN not in log
    assert "127.0.0.1 \"GET" not in log  # never the proxy's own address

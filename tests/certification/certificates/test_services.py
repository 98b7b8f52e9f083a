"""Certificate PDFs: rendered from a plain dict, text checked with pdftotext, the QR code read
back from the rasterised page, the URL fetcher confined to static/, names autoescaped, and the
Open Badges 3.0 export."""

from __future__ import annotations

import logging
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from flask import Flask
from PIL import Image

from coachprog import pdf
from coachprog.certification.certificates import services as certificates
from tests.certification.certificates.access_cases import make_certification

CODE = "Zq3xVb7_kLm-9PQrsTuvWx"
VERIFY_URL = f"https://coach.example.com/verify/{CODE}"


def _context(**overrides: Any) -> dict[str, Any]:
    return {"coach_name": "Ada Lovelace", "level": "senior_coach", "level_label": "Senior Coach",
            "issued_on": "2 March 2026", "issued_on_iso": "2026-03-02",
            "valid_until": "2 March 2027", "valid_until_iso": "2027-03-02",
            "verification_code": CODE, "verify_url": VERIFY_URL, **overrides}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,  # noqa: S603, S607
                          capture_output=True, text=True).stdout


def qr_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path),  # noqa: S603, S607
                    str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


def test_render_certificate_pdf_shows_name_level_dates_and_code(tmp_path: Path) -> None:
    pdf = certificates.render_certificate_pdf(_context())
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    for expected in ("Ada Lovelace", "Senior Coach", "2 March 2026", "2 March 2027", CODE):
        assert expected in text


def test_render_certificate_pdf_qr_decodes_to_the_verify_url(tmp_path: Path) -> None:
    pdf = certificates.render_certificate_pdf(_context())
    assert qr_texts(pdf, tmp_path) == [VERIFY_URL]


def test_render_certificate_html_escapes_the_name() -> None:
    html = certificates.render_certificate_html(_context(coach_name="<script>alert(1)</script>"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_render_certificate_pdf_prints_markup_in_a_name_as_text(tmp_path: Path) -> None:
    pdf = certificates.render_certificate_pdf(_context(coach_name="<b>Bold</b> & Co"))
    assert "<b>Bold</b> & Co" in pdf_text(pdf, tmp_path)


def test_render_certificate_html_sees_no_flask_globals(app: Flask) -> None:
    # The PDF environment is not Flask's: url_for and the permission global are unknown.
    env = pdf.jinja()
    assert "url_for" not in env.globals
    assert "can" not in env.globals


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    f"file://{pdf.STATIC_DIR}/../pyproject.toml",
    f"file://{pdf.STATIC_DIR}/pdf",  # a folder, not a file
    "http://127.0.0.1:9/x.css",
    "https://example.com/logo.png",
    "data:text/css,body{color:red}",
    "ftp://example.com/x",
])
def test_read_static_resource_refuses_anything_outside_static(url: str) -> None:
    with pytest.raises(pdf.FetchRefused):
        pdf.read_static_resource(url)


def test_read_static_resource_refuses_a_symlink_out_of_static(tmp_path: Path) -> None:
    link = pdf.STATIC_DIR / "pdf" / "test-escape-link.css"
    link.symlink_to("/etc/passwd")
    try:
        with pytest.raises(pdf.FetchRefused):
            pdf.read_static_resource(link.as_uri())
    finally:
        link.unlink()


def test_read_static_resource_reads_the_certificate_stylesheet() -> None:
    content, mime_type, _ = pdf.read_static_resource(
        (pdf.STATIC_DIR / "pdf" / "certificate.css").as_uri())
    assert b"@page" in content
    assert mime_type == "text/css"


def test_render_certificate_pdf_leaves_out_refused_resources(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A template that tries to pull /etc/passwd (as an attachment, an image and a stylesheet)
    # and a network stylesheet gets none of them: the PDF carries no trace of the file.
    template_dir = pdf.TEMPLATES_DIR / "pdf"
    hostile = template_dir / "_test_hostile.html"
    hostile.write_text(
        '<html><head><link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<link rel="attachment" href="file:///etc/passwd"></head>'
        '<body><p>{{ coach_name }}</p><img src="file:///etc/passwd">'
        '<a rel="attachment" href="file:///etc/passwd">x</a>'
        '<object data="file:///etc/passwd"></object></body></html>')
    try:
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            rendered = certificates.render_certificate_pdf(
                _context(), template="pdf/_test_hostile.html")
    finally:
        hostile.unlink()
    assert b"root:" not in rendered
    assert "root:" not in pdf_text(rendered, tmp_path)
    assert "Ada Lovelace" in pdf_text(rendered, tmp_path)
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "FetchRefused" in refused
    assert "/etc/passwd" in refused


def test_certificate_context_builds_the_verify_url_from_the_base_url(app: Flask) -> None:
    cert = make_certification(name="Grace Hopper", level="certified_internal_coach",
                              issued_on=date(2026, 1, 31), valid_until=date(2027, 1, 31))
    context = certificates.certificate_context(cert, base_url="https://coach.example.com/")
    assert context["verify_url"] == f"https://coach.example.com/verify/{cert.verification_code}"
    assert context["coach_name"] == "Grace Hopper"
    assert context["level_label"] == "Certified Internal Coach"
    assert context["issued_on"] == "31 January 2026"
    assert context["valid_until"] == "31 January 2027"
    # Plain values only: strings (and the QR markup, itself a string).
    assert all(isinstance(value, str) for value in context.values())


def test_open_badge_credential_is_an_unsigned_ob3_credential(app: Flask) -> None:
    cert = make_certification(name="Grace Hopper", level="senior_coach")
    context = certificates.certificate_context(cert, base_url="https://coach.example.com")
    badge = certificates.open_badge_credential(context, base_url="https://coach.example.com")
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"https://coach.example.com/verify/{cert.verification_code}"
    assert badge["issuer"]["id"] == "https://coach.example.com/"
    assert badge["validFrom"] == "2026-03-02T00:00:00Z"
    assert badge["validUntil"] == "2027-03-02T23:59:59Z"
    subject = badge["credentialSubject"]
    assert subject["achievement"]["name"] == "Senior Coach"
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["identifier"][0]["identityHash"] == "Grace Hopper"
    assert "proof" not in badge
    assert "not signed" in badge["description"]
    assert "not signed" in badge["evidence"][0]["narrative"]
    assert "@" not in str(subject)  # no e-mail address


def test_qr_svg_is_inline_svg_of_the_url() -> None:
    svg = certificates.qr_svg(VERIFY_URL)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg


def test_render_many_certificates_in_a_zip_reads_back(tmp_path: Path) -> None:
    # Guard for the batch: each rendering is independent (no state carried between PDFs).
    first = certificates.render_certificate_pdf(_context(coach_name="First Coach"))
    second = certificates.render_certificate_pdf(_context(coach_name="Second Coach"))
    assert "First Coach" in pdf_text(first, tmp_path)
    text = pdf_text(second, tmp_path)
    assert "Second Coach" in text
    assert "First Coach" not in text

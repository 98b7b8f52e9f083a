"""Checking an uploaded capstone brief by parsing it (pypdf, python-docx), never by its name
or Content-Type, and storing it in the file store's `capstone` area with a random name.

A renamed text file, an encrypted or broken file, or one over two pages or the size limit is
refused with a message saying what to do (`FileRefused`)."""

from __future__ import annotations

import io
import logging
import re
import secrets
import zipfile
from dataclasses import dataclass

from flask import current_app

from coachprog import storage
from coachprog.practicum.capstone import domain as rules

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and old .doc
MAX_UNZIPPED = 50 * 1024 * 1024  # a DOCX that inflates beyond this is not a two-page brief
MIMETYPES = {rules.PDF: "application/pdf",
             rules.DOCX: "application/vnd.openxmlformats-officedocument."
                         "wordprocessingml.document"}


class FileRefused(Exception):  # noqa: N818 - reads as the outcome
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    format: str  # pdf | docx
    data: bytes
    pages: int | None
    words: int


def max_bytes() -> int:
    return int(current_app.config.get("COACHPROG_CAPSTONE_MAX_BYTES", rules.MAX_FILE_BYTES))


def check_upload(filename: str, data: bytes, *, limit: int) -> CheckedFile:
    fmt = rules.format_of(filename or "")
    if fmt is None:
        raise FileRefused("Upload a PDF (.pdf) or Word (.docx) file, or write the brief in "
                          "the editor.")
    problem = rules.file_size_problem(len(data), limit)
    if problem:
        raise FileRefused(problem)
    checked = _check_pdf(data) if fmt == rules.PDF else _check_docx(data)
    problem = rules.file_length_problem(checked.format, checked.words, checked.pages)
    if problem:
        raise FileRefused(problem)
    return checked


def _check_pdf(data: bytes) -> CheckedFile:
    from pypdf import PdfReader

    if not data.startswith(PDF_MAGIC):
        raise FileRefused("This file is not a PDF (its content is something else, perhaps a "
                          "renamed file). Export the brief as PDF and upload that.")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise FileRefused("The PDF is password-protected or encrypted; your supervisor "
                              "could not open it. Save it without a password and upload again.")
        pages = len(reader.pages)
        words = 0
        for page in reader.pages[: rules.MAX_PAGES]:
            words += rules.word_count(page.extract_text() or "")
    except FileRefused:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise FileRefused("The PDF is damaged and cannot be read. Export it again and upload "
                          "the new file.") from error
    finally:
        pypdf_log.setLevel(level)
    if pages == 0:
        raise FileRefused("The PDF has no pages.")
    # A scanned brief has no text layer: page count is checked, words are not.
    return CheckedFile(rules.PDF, data, pages, words)


_PAGE_BREAK = re.compile(rb'<w:br\b[^>]*w:type="page"')
_APP_PAGES = re.compile(rb"<Pages>(\d+)</Pages>")


def _check_docx(data: bytes) -> CheckedFile:
    import docx

    if data.startswith(OLE_MAGIC):
        raise FileRefused("This Word file is password-protected (or an old .doc file). Save "
                          "it as an unprotected .docx and upload again.")
    if not data.startswith(ZIP_MAGIC):
        raise FileRefused("This file is not a Word .docx document (its content is something "
                          "else, perhaps a renamed file). Save it as .docx and upload that.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise FileRefused("The document unpacks to far more than a two-page brief "
                                  "holds; remove embedded media and upload again.")
            body = archive.read("word/document.xml")
            app_xml = archive.read("docProps/app.xml") \
                if "docProps/app.xml" in archive.namelist() else b""
        document = docx.Document(io.BytesIO(data))
        texts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                texts.extend(cell.text for cell in row.cells)
    except FileRefused:
        raise
    except Exception as error:  # zipfile, lxml and python-docx raise many kinds
        raise FileRefused("The Word document is damaged and cannot be read. Save it again as "
                          ".docx and upload the new file.") from error
    pages = len(_PAGE_BREAK.findall(body)) + 1
    declared = _APP_PAGES.search(app_xml)
    if declared:
        pages = max(pages, int(declared.group(1)))
    return CheckedFile(rules.DOCX, data, pages, rules.word_count("\n".join(texts)))


def capstone_store() -> storage.Storage:
    """Brief files live in the `capstone` area of the file store (instance/capstone/ or
    COACHPROG_CAPSTONE_DIR, or the object store), never under static/."""
    return storage.store_for("capstone")


def store(data: bytes) -> str:
    """Store the file under a random name (nothing about the person or the upload's own name
    on disk), atomically, and return the name. Deleted again if the transaction rolls back."""
    briefs = capstone_store()
    name = secrets.token_hex(16)
    briefs.put(name, io.BytesIO(data))
    storage.delete_on_rollback(briefs, name)
    return name


def remove(storage_name: str) -> None:
    capstone_store().delete(storage_name)

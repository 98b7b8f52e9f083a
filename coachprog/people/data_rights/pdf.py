"""The readable summary of a person's data export, as a PDF (WeasyPrint).

Rendered from the export's plain dict (no ORM objects, no Flask globals) through its own
autoescaping Jinja environment; WeasyPrint's URL fetcher may read only files under static/
(the template needs none: its style is inline), as for certificates (STYLE.md, "Locked-down
PDFs").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = (PROJECT_ROOT / "static").resolve()
TEMPLATE = "pdf/personal_data.html"
ROWS_SHOWN = 25  # per table; the JSON download has every row
FIELDS_SHOWN = 8  # per row


class FetchRefused(ValueError):  # noqa: N818 - reads as what happened
    """The template asked for something outside static/."""


def read_static(url: str) -> bytes:
    parts = urlsplit(url)
    path = Path(unquote(parts.path)).resolve()
    if (parts.scheme != "file" or parts.netloc not in ("", "localhost")
            or not path.is_relative_to(STATIC_DIR) or not path.is_file()):
        raise FetchRefused(f"the personal-data PDF reads only static/, not {url[:80]!r}")
    return path.read_bytes()


@lru_cache(maxsize=1)
def _jinja() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _row_summary(row: dict[str, Any]) -> list[tuple[str, str]]:
    shown = [(k, v) for k, v in row.items() if v not in (None, "", [], {})]
    return [(_label(k), str(v)[:160]) for k, v in shown[:FIELDS_SHOWN]]


def summary_context(export: dict[str, Any]) -> dict[str, Any]:
    """The plain dict the template reads: per section, each kind of record with its count and
    the first rows' main fields."""
    sections = []
    for section in export["sections"].values():
        parts = []
        for key, value in section["data"].items():
            if isinstance(value, list):
                parts.append({"label": _label(key), "count": len(value),
                              "rows": [_row_summary(row) for row in value[:ROWS_SHOWN]
                                       if isinstance(row, dict)]})
            else:
                parts.append({"label": _label(key), "count": None, "value": str(value)})
        sections.append({"title": section["title"], "parts": parts,
                         "empty": all(p["count"] == 0 for p in parts)})
    return {"subject": export["subject"], "generated_at": export["generated_at"],
            "format": export["format"], "sections": sections, "rows_shown": ROWS_SHOWN}


def render_html(export: dict[str, Any]) -> str:
    return _jinja().get_template(TEMPLATE).render(summary_context(export))


def render_pdf(export: dict[str, Any]) -> bytes:
    # WeasyPrint is heavy (~0.5 s to import): imported only when a PDF is asked for.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            return URLFetcherResponse(url, read_static(url), {"Content-Type": "text/css"})

    document = HTML(string=render_html(export), base_url=STATIC_DIR.as_uri() + "/",
                    url_fetcher=StaticOnly())
    pdf: bytes = document.write_pdf()
    return pdf

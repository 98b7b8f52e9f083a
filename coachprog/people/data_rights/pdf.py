"""The readable summary of a person's data export, as a PDF (WeasyPrint).

Rendered from the export's plain dict (no ORM objects, no Flask globals) through its own
autoescaping Jinja environment; WeasyPrint's URL fetcher may read only files under static/
(the template needs none: its style is inline), through `coachprog.pdf`
(STYLE.md, "Locked-down PDFs").
"""

from __future__ import annotations

from typing import Any

from coachprog import pdf

TEMPLATE = "pdf/personal_data.html"
ROWS_SHOWN = 25  # per table; the JSON download has every row
FIELDS_SHOWN = 8  # per row


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
    return pdf.render_html(TEMPLATE, summary_context(export))


def render_pdf(export: dict[str, Any]) -> bytes:
    return pdf.html_to_pdf(render_html(export))

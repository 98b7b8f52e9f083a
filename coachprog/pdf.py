"""Locked-down PDF rendering, shared by every domain that prints (certificates, reports).

Policy (house style §8): a PDF is rendered by WeasyPrint from a template that receives a plain
dict, in a Jinja environment of its own (autoescaped, no Flask globals), and while rendering
the URL fetcher reads regular files under `static/` only — other local paths, the network,
`data:` and every other scheme are refused and the resource is simply left out.

WeasyPrint is imported inside the functions that render: it costs ~0.6 s to import, and app
start, every `flask` command and every worker would otherwise pay it (issue 22).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = (PROJECT_ROOT / "static").resolve()


class FetchRefused(ValueError):  # noqa: N818 - reads as what happened
    """A PDF template asked for something outside static/."""


def read_static_resource(url: str) -> tuple[bytes, str, str]:
    """(content, MIME type, final URL) of a regular file below static/. Everything else —
    other local paths (`file:///etc/passwd`, `../` escapes, symlinks out), the network,
    `data:` — raises FetchRefused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"PDFs fetch only files under static/, not {url[:80]!r}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise FetchRefused(f"PDFs fetch only files under static/, not {url[:80]!r}")
    return path.read_bytes(), _mime_type(path), path.as_uri()


def _mime_type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
            ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
            ".otf": "font/otf"}.get(path.suffix.lower(), "application/octet-stream")


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # heavy: only when rendering

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's URL fetcher, limited to static/ (no network handler is ever used). A
        refused resource is logged by WeasyPrint and the page renders without it."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            content, mime_type, final_url = read_static_resource(url)
            return URLFetcherResponse(final_url, content, {"Content-Type": mime_type})

    return StaticOnlyFetcher


def static_only_fetcher() -> Any:
    """A new URL fetcher that reads files under static/ and nothing else."""
    return _fetcher_class()()


@lru_cache(maxsize=1)
def jinja() -> Environment:
    # Its own environment: autoescaped, no Flask globals (url_for, current_user, can) — the
    # template sees the dict and nothing else.
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def render_html(template: str, values: dict[str, Any]) -> str:
    """`template` (under templates/, e.g. `pdf/certificate.html`) rendered with `values`."""
    return jinja().get_template(template).render(values)


_fonts = threading.local()


def _font_config() -> Any:
    # Loading fonts is most of a cold render (~100 ms); keep one configuration per thread
    # (waitress serves on several) rather than share one across threads.
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # heavy: only when rendering

        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of `html`, resources resolved against static/ through the locked fetcher."""
    from weasyprint import HTML  # heavy: only when rendering

    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/",
                    url_fetcher=static_only_fetcher())
    pdf: bytes = document.write_pdf(font_config=_font_config())
    return pdf


def render_pdf(template: str, values: dict[str, Any]) -> bytes:
    """The PDF of `template` rendered with the plain dict `values`."""
    return html_to_pdf(render_html(template, values))

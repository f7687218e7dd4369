"""Printable documents: render a template to PDF with WeasyPrint (delivery notes, pay slips).

The templates extend `templates/pdf/base.html`, which sets the page size and the font Debian's
fonts-noto-cjk package installs ("Noto Sans CJK SC"), so Chinese prints without downloading anything.
Static files (stylesheets, images) are read from the app's static folder, never over the network.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template


def _no_network(url: str, *args: Any, **kwargs: Any) -> Any:
    """Serve static files from disk and refuse any other fetch (a PDF never reaches the network)."""
    from pathlib import Path

    from weasyprint.urls import default_url_fetcher

    static = Path(current_app.static_folder or "").resolve()
    if url.startswith("file://"):
        path = Path(url[len("file://") :]).resolve()
        if path.is_relative_to(static):
            return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"refused to fetch {url!r} while printing")


def render_pdf(template: str, **context: Any) -> bytes:
    """Render `template` with `context` and return the PDF bytes."""
    from weasyprint import HTML

    html = render_template(template, **context)
    base = (current_app.static_folder or ".") + "/"
    document = HTML(string=html, base_url=base, url_fetcher=_no_network)
    return document.write_pdf()  # type: ignore[no-any-return]

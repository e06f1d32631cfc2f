"""Render a report in any supported format; the heavier renderers load lazily."""

from __future__ import annotations

from .results import Report, render_json

FORMATS = ("md", "html", "json", "pdf")
# Output file suffixes and the format each implies.
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".pdf": "pdf"}


def render(report: Report, fmt: str) -> str | bytes:
    if fmt == "md":
        from .report import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from .report_html import render_html

        return render_html(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "pdf":
        from .report_pdf import render_pdf

        return render_pdf(report)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")

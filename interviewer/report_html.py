"""The report as one self-contained HTML page.

No external assets: the CSS is inline and the per-step chart is an inline
SVG. The page is rendered by a Jinja2 template with autoescaping on, so every
string a candidate (or a model) wrote is escaped; the SVG (built here from
escaped parts) and the transcript's Markdown (rendered by
:mod:`interviewer.markdown_html`, raw HTML escaped) are marked safe.

When the transcript holds a ```` ```mermaid ```` block, the bundled
mermaid.min.js is inlined to draw it, and the content-security policy allows
exactly that script and the one that starts it, by their SHA-256 hashes;
without a diagram the page carries no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from html import escape

import jinja2
from markupsafe import Markup

from . import report as wording
from .markdown_html import has_mermaid, to_html
from .report import colour, coverage_colour, fmt_coverage, fmt_score, header_lines
from .resources import package_path
from .results import Report, StepResult, TranscriptNotice

TEMPLATES = package_path("templates")
# The same vendored copy the app's diagram component uses (see its README.md).
MERMAID_JS = package_path("web", "static", "mermaid", "mermaid.min.js")
MERMAID_START = (
    '(function () { "use strict";\n'
    '  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });\n'
    '  mermaid.run({ querySelector: "pre.mermaid", suppressErrors: true });\n'
    "})();"
)


@lru_cache(maxsize=1)
def _mermaid_js() -> str:
    # "</script" inside the inlined code would end the element early (the
    # vendored file has none today; a later version might).
    return re.sub(r"</(script)", r"<\\/\1", MERMAID_JS.read_text(encoding="utf-8"), flags=re.I)


def script_hash(code: str) -> str:
    """A CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def score_chart_svg(steps: list[StepResult], width: int = 640) -> str:
    """A horizontal bar per step on a 0-5 scale (offline: coverage 0-100%); text is escaped."""
    offline = any(s.coverage is not None for s in steps)
    row, top, label_w = 34, 28, 250
    plot_w = width - label_w - 60
    height = top + row * len(steps) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Score by step" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">'
    ]
    for tick in range(0, 6):
        x = label_w + plot_w * tick / 5
        parts.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 10}" stroke="#e3e6ea"/>')
        tick_label = f"{tick * 20}%" if offline else str(tick)
        parts.append(f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle" fill="#5f6b78">{tick_label}</text>')
    for i, s in enumerate(steps):
        y = top + i * row
        label = escape(f"{s.step}. {s.title}")
        parts.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" fill="#2c3e50">{label}</text>')
        value = s.coverage * 5 if s.coverage is not None else s.score
        if value is None:
            parts.append(
                f'<text x="{label_w + 6}" y="{y + 19}" fill="#5f6b78" font-style="italic">{escape("not reached" if s.status == "not covered" else s.status)}</text>'
            )
            continue
        w = plot_w * value / 5
        fill = coverage_colour(s.coverage) if s.coverage is not None else colour(s.score)
        parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 12}" rx="3" fill="{fill}"/>')
        if s.samples > 1 and s.spread:
            half = plot_w * s.spread / 10
            parts.append(
                f'<line x1="{label_w + w - half:.1f}" y1="{y + row / 2}" x2="{label_w + w + half:.1f}" '
                f'y2="{y + row / 2}" stroke="#2c3e50" stroke-width="2"/>'
            )
        figure = fmt_coverage(s.coverage) if s.coverage is not None else fmt_score(s.score)
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" fill="#2c3e50">{escape(figure)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    template = _env().get_template("report.html.j2")
    # safe: Markdown rendered with raw HTML escaped (markdown_html)
    # (is a notice, line or notice, its Markdown as HTML), in transcript order
    entries = [
        (isinstance(e, TranscriptNotice), e, Markup(to_html(e.text, draw_mermaid=True)))
        for e in wording.transcript_entries(report)
    ]
    scripts = [_mermaid_js(), MERMAID_START] if any(has_mermaid(t.text) for t in report.transcript) else []
    return template.render(
        r=report,
        header=header_lines(report),
        headline=wording.headline(report),
        chart=Markup(score_chart_svg(report.steps)),  # safe: built from escaped parts above
        entries=entries,
        scripts=[Markup(code) for code in scripts],  # our own bundled code, allowed by hash
        script_sources=Markup(" ".join(script_hash(code) for code in scripts)),  # base64 hashes in quotes
        offline_label=report.grader_label,
        w=wording,
        cov=wording.coverage_check(report),
        step_colour=lambda s: coverage_colour(s.coverage) if s.coverage is not None else colour(s.score),
        criterion_colour=lambda c: (
            colour(c.score) if c.score is not None else _COVERAGE_COLOURS.get(c.coverage or "", wording.NO_SCORE_COLOUR)
        ),
    )


_COVERAGE_COLOURS = {"explained": colour(4.5), "touched": colour(2.5), "not addressed": colour(1)}

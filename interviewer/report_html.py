"""The report as one self-contained HTML page.

No external assets: the CSS is inline and the per-step chart is an inline
SVG. The page is rendered by a Jinja2 template with autoescaping on, so every
string a candidate (or a model) wrote is escaped; only the SVG, which is built
here from escaped parts, is marked safe.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

import jinja2
from markupsafe import Markup

from .report import colour, fmt_score, header_lines, status_text, step_line, usage_line
from .results import OFFLINE_GRADER_LABEL, Report, StepResult

TEMPLATES = Path(__file__).resolve().parent / "templates"


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
    """A horizontal bar per step on a 0-5 scale; text is escaped."""
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
        parts.append(f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle" fill="#6b7785">{tick}</text>')
    for i, s in enumerate(steps):
        y = top + i * row
        label = escape(f"{s.step}. {s.title}")
        parts.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" fill="#2c3e50">{label}</text>')
        if s.score is None:
            parts.append(
                f'<text x="{label_w + 6}" y="{y + 19}" fill="#8a94a0" font-style="italic">{escape(s.status)}</text>'
            )
            continue
        w = plot_w * s.score / 5
        parts.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 12}" rx="3" fill="{colour(s.score)}"/>'
        )
        if s.samples > 1 and s.spread:
            half = plot_w * s.spread / 10
            parts.append(
                f'<line x1="{label_w + w - half:.1f}" y1="{y + row / 2}" x2="{label_w + w + half:.1f}" '
                f'y2="{y + row / 2}" stroke="#2c3e50" stroke-width="2"/>'
            )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" fill="#2c3e50">{fmt_score(s.score)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    template = _env().get_template("report.html.j2")
    return template.render(
        r=report,
        header=header_lines(report),
        chart=Markup(score_chart_svg(report.steps)),  # safe: built from escaped parts above
        offline_label=OFFLINE_GRADER_LABEL,
        fmt_score=fmt_score,
        step_line=step_line,
        status_text=status_text,
        usage_line=usage_line,
        colour=colour,
    )

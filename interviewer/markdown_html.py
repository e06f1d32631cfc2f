"""What a candidate (or the interviewer) typed, as Markdown, rendered to safe HTML.

Used by the HTML and PDF reports so their transcripts read like the app:
bold banners, lists and code blocks instead of literal asterisks. Raw HTML in
the text is escaped (``html=False``), images are not rendered (a report must
never fetch anything), and a ```` ```mermaid ```` block becomes either a
``<pre class="mermaid">`` for the HTML report to draw or a plain code block.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from .markdown_safe import safe_markdown, safe_url

MERMAID_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*mermaid\b", re.I | re.M)


def has_mermaid(text: str) -> bool:
    return bool(MERMAID_FENCE.search(text))


def _fence(self: Any, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    lang = (token.info.strip().split() or [""])[0].lower()
    code = escape(token.content)
    if lang == "mermaid" and env.get("draw_mermaid"):
        return f'<pre class="mermaid">{code}</pre>\n'
    label = ' class="language-mermaid"' if lang == "mermaid" else ""
    return f"<pre><code{label}>{code}</code></pre>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # breaks: a chat answer's single newlines are line breaks, as typed.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")  # ![x](http://...) would make the report fetch it
    md.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    return md


def to_html(text: str, *, draw_mermaid: bool = False) -> str:
    """Safe HTML for ``text``; with ``draw_mermaid`` the mermaid blocks are
    left for mermaid.js to draw (``pre.mermaid``), else shown as code."""
    return _parser().render(safe_markdown(text), {"draw_mermaid": draw_mermaid})

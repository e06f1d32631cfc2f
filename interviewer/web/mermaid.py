"""Cut fenced ```mermaid blocks out of Markdown so the page can draw them."""

from __future__ import annotations

import re
from typing import Literal

Segment = tuple[Literal["markdown", "mermaid"], str]

_MERMAID = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*mermaid[ \t]*\n(.*?)\n[ \t]*\1[ \t]*$", re.S | re.M | re.I)


def split_mermaid(text: str) -> list[Segment]:
    """Markdown with each fenced ```mermaid block cut out as its own segment."""
    segments: list[Segment] = []
    pos = 0
    for m in _MERMAID.finditer(text):
        before = text[pos : m.start()].strip("\n")
        if before.strip():
            segments.append(("markdown", before))
        code = m.group(2).strip("\n")
        if code.strip():
            segments.append(("mermaid", code))
        pos = m.end()
    rest = text[pos:].strip("\n")
    if rest.strip():
        segments.append(("markdown", rest))
    return segments

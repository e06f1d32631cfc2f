"""Text that users or models control, made safe to show as Markdown.

Streamlit renders every label, notice and chat message as Markdown (with
GFM tables and autolinks, LaTeX between ``$`` and its own ``:color[...]``
directives), and the Markdown export is read in viewers that fetch images and
follow links. So text someone else typed must not be able to draw a link
inside the app's own warning, make every viewer fetch a tracking image, or
smuggle a ``javascript:`` link into a report.

- :func:`plain` escapes text so it reads literally, character for character.
- :func:`safe_markdown` keeps ordinary formatting (emphasis, lists, headings,
  tables, code, fenced code including ```` ```mermaid ```` blocks, verbatim)
  but writes images as the text ``[image: alt]``, raw HTML as text, and keeps
  a link only when it goes to http, https or mailto.

:func:`safe_markdown` parses with markdown-it and writes the Markdown back
out from the syntax tree: what the parser did not read as a construct is
escaped text, so no regex has to guess where a link or a code span ends.
Pure: no Streamlit.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

SAFE_SCHEMES = ("http", "https", "mailto")

# Punctuation that starts a construct anywhere in a line (CommonMark, GFM
# tables and strikethrough, Streamlit's LaTeX). A backslash before any ASCII
# punctuation shows that character as typed.
_ALWAYS = re.compile(r"([\\`*_\[\]()!|~$#])")
# Entities (&amp; &#106;), GFM autolink literals (http://, www.) and what
# opens a block at the start of a line (lists, setext underlines, rules).
_ENTITY = re.compile(r"&(?=[#A-Za-z0-9])")
_SCHEME_COLON = re.compile(r":(?=//)")
_WWW_DOT = re.compile(r"(?i)\b(www)\.")
_LINE_START = re.compile(r"^([ \t]*)([-+=])", re.M)
_ORDERED = re.compile(r"^([ \t]*\d+)([.)])(?=[ \t]|$)", re.M)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def plain(text: str) -> str:
    """``text`` escaped so Markdown (Streamlit's included) shows it literally."""
    text = _ALWAYS.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    # Angle brackets as entities: also inert in viewers that pass raw HTML through.
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _SCHEME_COLON.sub(r"\\:", text)
    text = _WWW_DOT.sub(r"\1\\.", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


def safe_url(url: str) -> str | None:
    """``url`` if it goes to an allowed scheme (http, https, mailto), else None.
    Relative links are refused too: in the app they would point into the app."""
    candidate = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    m = _SCHEME.match(candidate)
    if not m or m.group(1).lower() not in SAFE_SCHEMES:
        return None
    # Written back as a link destination: nothing in it may end or nest it.
    for ch, code in (("\\", "%5C"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), ('"', "%22")):
        candidate = candidate.replace(ch, code)
    return candidate


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # What Streamlit understands: CommonMark plus GFM tables and strikethrough.
    # "html" on, so raw HTML becomes html_* nodes that are written back as text.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def safe_markdown(text: str) -> str:
    """``text`` with its formatting kept and nothing that fetches or runs."""
    root = SyntaxTreeNode(_parser().parse(text))
    return _blocks(root.children).rstrip("\n")


# --- blocks -----------------------------------------------------------------


def _blocks(nodes: list[SyntaxTreeNode], tight: bool = False) -> str:
    return ("\n" if tight else "\n\n").join(b for b in (_block(n) for n in nodes) if b)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n") or [""]
    return "\n".join([first + lines[0], *((rest + line) if line else "" for line in lines[1:])])


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline_of(node)
    if kind == "heading":
        level = int(node.tag[1]) if node.tag[1:].isdigit() else 1
        return "#" * level + " " + _inline_of(node).replace("\n", " ")
    if kind == "blockquote":
        return "\n".join(">" + (" " + line if line else "") for line in _blocks(node.children).split("\n"))
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind in ("fence", "code_block"):
        return _fence(node)
    if kind == "hr":
        return "---"
    if kind == "html_block":
        return plain(node.content.rstrip("\n"))
    if kind == "table":
        return _table(node)
    # Anything else the parser may produce: its text, shown literally.
    return plain(node.content) if node.content else _blocks(node.children)


def _list(node: SyntaxTreeNode) -> str:
    tight = all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")
    start = int(node.attrs.get("start", 1) or 1)
    items = []
    for i, item in enumerate(node.children):
        marker = f"{start + i}{node.markup or '.'} " if node.type == "ordered_list" else (node.markup or "-") + " "
        body = _blocks(item.children, tight=tight)
        items.append(_indent(body, marker, " " * len(marker)) if body else marker.rstrip())
    return ("\n" if tight else "\n\n").join(items)


_LANG = re.compile(r"[\w+#.\-]+")


def _fence(node: SyntaxTreeNode) -> str:
    """Code exactly as typed, between fences longer than any run inside it."""
    content = node.content if node.content.endswith("\n") or not node.content else node.content + "\n"
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = _LANG.match(node.info.strip()) if node.type == "fence" else None
    return f"{fence}{lang.group(0) if lang else ''}\n{content}{fence}"


def _table(node: SyntaxTreeNode) -> str:
    rows: list[list[str]] = []
    aligns: list[str] = []
    for section in node.children:
        for tr in section.children:
            cells = []
            for cell in tr.children:
                if section.type == "thead":
                    style = str(cell.attrs.get("style", ""))
                    aligns.append(
                        {"text-align:left": ":--", "text-align:right": "--:", "text-align:center": ":-:"}.get(
                            style, "---"
                        )
                    )
                cells.append(_inline_of(cell, in_table=True).replace("\n", " "))
            rows.append(cells)
    if not rows:
        return ""
    lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


# --- inline -----------------------------------------------------------------


def _inline_of(node: SyntaxTreeNode, in_table: bool = False) -> str:
    inline = node.children[0] if node.children and node.children[0].type == "inline" else None
    return _inlines(inline.children, in_table) if inline else ""


def _inlines(nodes: list[SyntaxTreeNode], in_table: bool) -> str:
    return "".join(_inline(n, in_table) for n in nodes)


def _text_of(nodes: list[SyntaxTreeNode]) -> str:
    """What inline nodes say, without their formatting (an image's alt text)."""
    out = []
    for n in nodes:
        if n.type in ("text", "code_inline", "html_inline"):
            out.append(n.content)
        elif n.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(_text_of(n.children))
    return "".join(out)


def _inline(node: SyntaxTreeNode, in_table: bool) -> str:
    kind = node.type
    if kind in ("text", "html_inline"):
        return plain(node.content)
    if kind == "softbreak":
        return "\n"
    if kind == "hardbreak":
        return "\\\n"
    if kind == "code_inline":
        return _code_span(node.content, in_table)
    if kind in ("em", "strong", "s"):
        mark = node.markup or {"em": "*", "strong": "**", "s": "~~"}[kind]
        return mark + _inlines(node.children, in_table) + mark
    if kind == "image":
        alt = " ".join(_text_of(node.children).split())
        return plain(f"[image: {alt}]" if alt else "[image]")
    if kind == "link":
        label = _inlines(node.children, in_table)
        href = safe_url(str(node.attrs.get("href", "")))
        if href is None or not label.strip():
            return label
        return f"[{label}]({href})"
    return plain(node.content) if node.content else _inlines(node.children, in_table)


def _code_span(code: str, in_table: bool) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or (code.startswith(" ") and code.endswith(" ")) else ""
    if in_table:
        code = code.replace("|", "\\|")  # GFM splits cells before it reads code spans
    return f"{ticks}{pad}{code}{pad}{ticks}"

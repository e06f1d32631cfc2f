r"""Text that users or models control, made safe to show as Markdown.

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
- :func:`readable_markdown` and :func:`readable_plain` are the same for the
  Markdown export, a file people also read as text: they escape only what
  would change how it renders, so a candidate's ``a_b``, ``(x)``, ``$1.5M``
  or ``2 * 3`` stay as typed instead of ``a\_b``, ``\(x\)``, ``\$1.5M``.

:func:`safe_markdown` parses with markdown-it and writes the Markdown back
out from the syntax tree: what the parser did not read as a construct is
escaped text, so no regex has to guess where a link or a code span ends.
Pure: no Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

SAFE_SCHEMES = ("http", "https", "mailto")
# How the writer escapes the text it did not read as a construct.
Escape = Callable[[str], str]

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
    return _blocks(root.children, plain).rstrip("\n")


# --- blocks -----------------------------------------------------------------


def _blocks(nodes: list[SyntaxTreeNode], esc: Escape, tight: bool = False) -> str:
    return ("\n" if tight else "\n\n").join(b for b in (_block(n, esc) for n in nodes) if b)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n") or [""]
    return "\n".join([first + lines[0], *((rest + line) if line else "" for line in lines[1:])])


def _block(node: SyntaxTreeNode, esc: Escape) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline_of(node, esc)
    if kind == "heading":
        level = int(node.tag[1]) if node.tag[1:].isdigit() else 1
        return "#" * level + " " + _inline_of(node, esc).replace("\n", " ")
    if kind == "blockquote":
        return "\n".join(">" + (" " + line if line else "") for line in _blocks(node.children, esc).split("\n"))
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, esc)
    if kind in ("fence", "code_block"):
        return _fence(node)
    if kind == "hr":
        return "---"
    if kind == "html_block":
        return esc(node.content.rstrip("\n"))
    if kind == "table":
        return _table(node, esc)
    # Anything else the parser may produce: its text, shown literally.
    return esc(node.content) if node.content else _blocks(node.children, esc)


def _list(node: SyntaxTreeNode, esc: Escape) -> str:
    tight = all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")
    start = int(node.attrs.get("start", 1) or 1)
    items = []
    for i, item in enumerate(node.children):
        marker = f"{start + i}{node.markup or '.'} " if node.type == "ordered_list" else (node.markup or "-") + " "
        body = _blocks(item.children, esc, tight=tight)
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


def _table(node: SyntaxTreeNode, esc: Escape) -> str:
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
                cells.append(_inline_of(cell, esc, in_table=True).replace("\n", " "))
            rows.append(cells)
    if not rows:
        return ""
    lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


# --- inline -----------------------------------------------------------------


def _inline_of(node: SyntaxTreeNode, esc: Escape, in_table: bool = False) -> str:
    inline = node.children[0] if node.children and node.children[0].type == "inline" else None
    return _inlines(inline.children, esc, in_table) if inline else ""


def _inlines(nodes: list[SyntaxTreeNode], esc: Escape, in_table: bool) -> str:
    return "".join(_inline(n, esc, in_table) for n in nodes)


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


def _inline(node: SyntaxTreeNode, esc: Escape, in_table: bool) -> str:
    kind = node.type
    if kind in ("text", "html_inline"):
        return esc(node.content)
    if kind == "softbreak":
        return "\n"
    if kind == "hardbreak":
        return "\\\n"
    if kind == "code_inline":
        return _code_span(node.content, in_table)
    if kind in ("em", "strong", "s"):
        mark = node.markup or {"em": "*", "strong": "**", "s": "~~"}[kind]
        return mark + _inlines(node.children, esc, in_table) + mark
    if kind == "image":
        alt = " ".join(_text_of(node.children).split())
        return esc(f"[image: {alt}]" if alt else "[image]")
    if kind == "link":
        label = _inlines(node.children, esc, in_table)
        href = safe_url(str(node.attrs.get("href", "")))
        if href is None or not label.strip():
            return label
        return f"[{label}]({href})"
    return esc(node.content) if node.content else _inlines(node.children, esc, in_table)


def _code_span(code: str, in_table: bool) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or (code.startswith(" ") and code.endswith(" ")) else ""
    if in_table:
        code = code.replace("|", "\\|")  # GFM splits cells before it reads code spans
    return f"{ticks}{pad}{code}{pad}{ticks}"


# --- readable: the Markdown export ------------------------------------------
#
# In the app and the HTML export the escapes of plain() are never seen: the
# text is rendered. A Markdown file is also read as text (an editor, a diff,
# `cat`), where every "\_" and "\(" is noise in the candidate's own words. So
# the export escapes less, but never trusts a rule to be enough: each block is
# written lightly escaped first, then with a few more escapes, and a version
# is used only if markdown-it renders it to exactly the same HTML as the fully
# escaped one (which tests/test_markdown_safe.py proves inert); otherwise it keeps
# the full escapes. No guessing which characters matter: the renderer decides.
# The rules still applied to every version cover what markdown-it does not
# render but common viewers do: raw HTML in lax viewers ("<" before a tag
# name is always an entity), GitHub's $math$ and single-tilde strikethrough,
# Streamlit's :color[...] directives.

# A backslash escapes the ASCII punctuation after it, or breaks the line.
_LONE_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|\n|$)")
_NAMED_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_TAG = re.compile(r"<([A-Za-z/!?][^<>\n]*)>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# A tilde that could close a strikethrough (GitHub accepts a single one).
_TILDE_CLOSER = re.compile(r"(?<![ \t\n])~")
# What can open emphasis, a link, a table cell or (at a line's start) a block.
_MEDIUM = re.compile(r"([*\[\]|])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BANG = re.compile(r"!(?=\[|$)")
_HASH_START = re.compile(r"^([ \t]*)([#>])", re.M)
# Streamlit's directives (":red[text]"), for readable text shown in the app.
_DIRECTIVE = re.compile(r"(:[A-Za-z][\w/-]*)\[")


def _light(text: str, source: str, medium: bool = False) -> str:
    """The escapes every version needs (``source``: the whole text, for pairs);
    with ``medium`` also emphasis, brackets, cells and block starts."""
    # Backslashes first: every escape added below is then the only one before its character.
    text = _LONE_BACKSLASH.sub(r"\\\\", text)
    if medium:
        text = _MEDIUM.sub(r"\\\1", text)
        text = _EDGE_UNDERSCORE.sub(r"\\_", text)
        text = _BANG.sub(r"\\!", text)
        text = _HASH_START.sub(r"\1\\\2", text)
        text = _LINE_START.sub(r"\1\\\2", text)
        text = _ORDERED.sub(r"\1\\\2", text)
    text = text.replace("`", "\\`")
    text = _NAMED_ENTITY.sub(r"\\&", text)
    text = _TAG.sub(r"&lt;\1&gt;", text)  # a whole tag reads as one: &lt;b&gt;
    text = _TAG_START.sub("&lt;", text)
    if source.count("$") > 1:
        text = text.replace("$", "\\$")
    if source.count("~") > 1:
        text = _TILDE_CLOSER.sub(r"\\~", text)
    return _DIRECTIVE.sub(r"\1\\[", text)


def _medium(text: str, source: str) -> str:
    return _light(text, source, medium=True)


def _rendered(markdown: str) -> str:
    return _parser().render(markdown)


def _first_same(candidates: list[str], full: str, frame: str) -> str:
    """The first candidate that renders, inside ``frame``, as ``full`` does."""
    target = _rendered(frame.replace("{}", full, 1))
    for candidate in candidates:
        if candidate == full or _rendered(frame.replace("{}", candidate, 1)) == target:
            return candidate
    return full


def readable_markdown(text: str, frame: str = "{}") -> str:
    """:func:`safe_markdown`, escaping only what changes the rendering.

    ``frame`` is the Markdown the caller puts the result in (``"- {}"``,
    ``"_{}_"``): the check is made there, since emphasis around the text can
    pair with a character inside it."""
    root = SyntaxTreeNode(_parser().parse(text))

    def light(t: str) -> str:
        return _light(t, text)

    def medium(t: str) -> str:
        return _medium(t, text)

    blocks = []
    for node in root.children:
        full = _block(node, plain)
        if full:
            blocks.append(_first_same([_block(node, light), _block(node, medium)], full, "{}"))
    full_text = _blocks(root.children, plain).rstrip("\n")
    # Checked once more as a whole: blocks side by side, in the caller's frame.
    return _first_same(["\n\n".join(blocks).rstrip("\n")], full_text, frame)


# U+2060 WORD JOINER: invisible, and no autolinker reads "https:\u2060//" or
# "www\u2060." as a URL. Escapes are not enough: Streamlit (remark-gfm) finds
# bare URLs in the text after the escapes are resolved, so "https\://" is a link
# there. The joiner keeps it text in the app and in every Markdown viewer.
WORD_JOINER = "\u2060"
_AUTOLINK_AT = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|\b(www)(?=\.)|(@)(?=[\w-])")


def unlinkable(text: str) -> str:
    """``text`` with a word joiner where an autolinker would start a URL or e-mail link."""
    return _AUTOLINK_AT.sub(lambda m: m.group(0) + WORD_JOINER, text)


def readable_plain(text: str, frame: str = "{}") -> str:
    """:func:`plain`, escaping only what changes the rendering inside ``frame``
    (e.g. ``"# Feedback: {}"``, or a table row). Bare URLs stay unlinkable
    (:func:`unlinkable`): plain text is never a link."""
    text = unlinkable(text)
    return _first_same([_light(text, text), _medium(text, text)], plain(text), frame)

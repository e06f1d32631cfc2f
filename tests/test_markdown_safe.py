"""markdown_safe: text users or models control never draws a link, an image or raw HTML."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from interviewer.markdown_html import to_html
from interviewer.markdown_safe import WORD_JOINER, plain, readable_markdown, readable_plain, safe_markdown

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def constructs(markdown: str) -> tuple[list[str], int, int]:
    """(link hrefs, images, raw HTML pieces) a CommonMark reader finds in ``markdown``."""
    hrefs, images, html = [], 0, 0
    for tok in _MD.parse(markdown):
        html += tok.type == "html_block"
        for child in tok.children or []:
            if child.type == "link_open":
                hrefs.append(str(child.attrs["href"]))
            images += child.type == "image"
            html += child.type == "html_inline"
    return hrefs, images, html


NOTICE = "[Your session expired - sign in](https://evil.example/login)"


def test_plain_shows_a_link_as_text() -> None:
    out = plain(NOTICE)
    assert constructs(out) == ([], 0, 0)
    # Not a GFM autolink literal either (Streamlit links bare http:// and www.).
    assert "https://" not in out and "https\\://" in out
    assert "www." not in plain("see www.evil.example")


@pytest.mark.parametrize(
    "text",
    [
        "# heading",
        "- item",
        "+ item",
        "1. first",
        "2) second",
        "> quote",
        "*em* _em_ **b** ~~s~~",
        "$x^2$",
        "a | b",
        "<b>x</b>",
        "&#106;",
        "![](http://host/t.png)",
        "line\n===",
        "`code`",
    ],
)
def test_plain_reads_literally(text: str) -> None:
    out = plain(text)
    tokens = _MD.parse(out)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], (text, out)
    shown = "".join(c.content for c in tokens[1].children if c.type == "text")
    assert shown.replace("\n", "") == text.replace("\n", ""), (text, out)
    assert "$" not in out.replace("\\$", "")  # Streamlit would render LaTeX


def test_tracking_image_becomes_text() -> None:
    out = safe_markdown("look ![a chart](http://host/track.png) and ![](http://host/t.png)")
    assert constructs(out) == ([], 0, 0)
    assert "[image: a chart]" in to_text(out) and "[image]" in to_text(out)
    assert "host/track.png" not in out


def to_text(markdown: str) -> str:
    return "".join(c.content for t in _MD.parse(markdown) for c in t.children or [] if c.type == "text")


def test_ordinary_markdown_is_kept() -> None:
    src = "**bold** and *em*\n\n- one\n- two\n\n1. a\n2. b\n\n`x < y`\n\n```python\nif a < b: print('*')\n```"
    out = safe_markdown(src)
    assert _MD.render(out) == _MD.render(src)


def test_mermaid_block_is_kept_verbatim() -> None:
    src = "My design:\n\n```mermaid\ngraph TD\n  A[Client] -->|req| B(API)\n```"
    assert safe_markdown(src) == src


def test_http_https_mailto_links_are_kept() -> None:
    out = safe_markdown("[docs](https://example.com/a) [m](mailto:a@example.com) <http://example.org>")
    assert constructs(out)[0] == ["https://example.com/a", "mailto:a@example.com", "http://example.org"]


BYPASSES = [
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <javascript:alert(1)>",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](data:image/png;base64,AAAA)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&colon;alert(1))",
    "[[a](javascript:b)](javascript:c)",
    "[a [b] c](vbscript:x)",
    "[x](/relative/path)",
    "[x](file:///etc/passwd)",
    '<img src="http://host/t.png">',
    "<a href='javascript:alert(1)'>x</a>",
    "<div>\n<img src=x onerror=alert(1)>\n</div>",
    "&lt;img src=http://host/t.png&gt;",
]


@pytest.mark.parametrize("text", BYPASSES)
def test_bypasses_leave_no_link_image_or_html(text: str) -> None:
    out = safe_markdown(text)
    hrefs, images, html = constructs(out)
    assert hrefs == [] and images == 0 and html == 0, out
    rendered = to_html(text)
    assert "<img" not in rendered and "<a " not in rendered and "<script" not in rendered, rendered


def test_nested_brackets_keep_only_the_safe_link() -> None:
    out = safe_markdown("[[inner](http://ok.example)](javascript:evil)")
    assert constructs(out)[0] == ["http://ok.example"]


def test_reference_link_to_a_safe_url_is_written_inline() -> None:
    out = safe_markdown("[x][1]\n\n[1]: https://ok.example/p")
    assert constructs(out)[0] == ["https://ok.example/p"]


def test_code_spans_and_blocks_are_untouched() -> None:
    src = "`![x](http://h/t.png)` and\n\n```\n[x](javascript:a) <img src=x>\n```"
    out = safe_markdown(src)
    assert "`![x](http://h/t.png)`" in out and "[x](javascript:a) <img src=x>" in out
    assert constructs(out) == ([], 0, 0)


# --- readable: the Markdown export escapes only what changes the rendering ---

HOSTILE_EXPORT = [
    "<script>alert(1)</script>",
    "![x](https://evil.example/a.png)",
    "![x](https://evil.example/a.png)(b)",
    "!" + "[x](https://evil.example/a.png)",
    "\\![x](https://evil.example/a.png)",
    "[x](javascript:alert(1))",
    "\\[x\\](javascript:alert(1))",
    "\\<img src=http://host/t.png>",
    "&lt;img src=http://host/t.png&gt;",
    "[x][1]\n\n\\[1\\]: /relative",
    "\\*not emphasis\\* and \\`not code\\`",
    "a\\\n![x](https://evil.example/a.png)",
]


@pytest.mark.parametrize("text", HOSTILE_EXPORT + BYPASSES)
def test_readable_export_is_as_inert_as_the_escaped_one(text: str) -> None:
    out = readable_markdown(text)
    hrefs, images, html = constructs(out)
    assert images == 0 and html == 0 and all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs), out
    assert "<script" not in out
    # It renders exactly as the fully escaped version does.
    assert _MD.render(out) == _MD.render(safe_markdown(text)), (out, safe_markdown(text))


def test_readable_export_keeps_the_candidates_words_as_typed() -> None:
    src = "Use snake_case_ids (not UUIDs): costs $1.5M a month, 2 * 3 GPUs, R&D, latency < 50 ms, step 2. ok"
    out = readable_markdown(src)
    assert out == src
    assert "\\" not in readable_markdown("a_b, `x_y`, 1) (see [docs](https://ok.example/a))")
    # Yet a character that would change the rendering is still escaped.
    assert readable_markdown("\\*literal\\*") == "\\*literal\\*"
    assert readable_markdown("$x$ and $y$").count("\\$") == 4  # GitHub would render math


def test_readable_export_checks_the_callers_frame() -> None:
    # Inside "_…_" an underscore in the text could end the emphasis early.
    text = "switched to gpt_ x"
    out = readable_markdown(text, "_{}_")
    assert _MD.render(f"_{out}_") == _MD.render(f"_{safe_markdown(text)}_")
    assert readable_markdown(text) == text


def test_readable_plain_is_literal_in_its_frame() -> None:
    title = "Design [a link](https://evil.example/login) ![x](https://example.com/a.png) a_b (c) *x*"
    out = readable_plain(title, "# Feedback: {}")
    assert constructs(f"# Feedback: {out}") == ([], 0, 0)
    assert "https://" not in out  # not a GFM autolink literal either
    assert "a_b (c)" in out
    assert to_text(f"# Feedback: {out}").replace(WORD_JOINER, "") == "Feedback: " + title
    cell = readable_plain("a | b_c", "| | |\n| --- | --- |\n| x | {} |")
    assert cell == "a \\| b_c"


def test_readable_export_keeps_mermaid_verbatim() -> None:
    src = "My design:\n\n```mermaid\ngraph TD\n  A[Client] -->|req| B(API)\n```"
    assert readable_markdown(src) == src

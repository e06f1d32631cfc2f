"""Prompt templates and the bounded conversation context.

Templates are Jinja2 files under ``prompts/`` (StrictUndefined, so a typo in
a template fails loudly in tests rather than rendering an empty hole). The
context keeps the most recent turns verbatim and folds everything older into
a compact running summary, both measured in tiktoken tokens, so a 60-turn
interview sends roughly the same prompt size as a 10-turn one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .errors import ContentError
from .framework import default_root
from .session import Turn
from .tokens import count_tokens, truncate_to_tokens

RECENT_BUDGET = 1800
SUMMARY_BUDGET = 700
SUMMARY_LINE_TOKENS = 45
MIN_RECENT_TURNS = 2


@lru_cache(maxsize=4)
def _env(root: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / "prompts")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are plain text for a model, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, root: Path | None = None, **values: Any) -> str:
    try:
        template = _env(root or default_root()).get_template(name)
    except jinja2.TemplateNotFound:
        raise ContentError(f"{(root or default_root()) / 'prompts' / name}: template not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"{exc.filename}: line {exc.lineno}: {exc.message}") from None
    return template.render(**values).strip() + "\n"


def _summary_line(turn: Turn) -> str:
    who = "Candidate" if turn.role == "candidate" else "Interviewer"
    text = " ".join(turn.text.split())
    short = truncate_to_tokens(text, SUMMARY_LINE_TOKENS)
    if short != text:
        short += " …"
    return f"[step {turn.step}] {who}: {short}"


def split_context(
    turns: list[Turn], recent_budget: int = RECENT_BUDGET, summary_budget: int = SUMMARY_BUDGET
) -> tuple[str, list[Turn]]:
    """Return (summary of older turns, recent turns kept verbatim).

    Recent turns are taken from the end while they fit ``recent_budget``
    (always at least MIN_RECENT_TURNS). Older turns become one line each,
    newest kept first when the summary budget runs out.
    """
    recent: list[Turn] = []
    used = 0
    for turn in reversed(turns):
        cost = count_tokens(turn.text) + 4
        if len(recent) >= MIN_RECENT_TURNS and used + cost > recent_budget:
            break
        recent.append(turn)
        used += cost
    recent.reverse()
    older = turns[: len(turns) - len(recent)]
    if not older:
        return "", recent
    lines: list[str] = []
    used = 0
    for turn in reversed(older):
        line = _summary_line(turn)
        cost = count_tokens(line) + 1
        if used + cost > summary_budget:
            lines.append(f"(… {len(older) - len(lines)} earlier turns omitted)")
            break
        lines.append(line)
        used += cost
    lines.reverse()
    return "\n".join(lines), recent


def chat_messages(system: str, summary: str, recent: list[Turn], directive: str) -> list[dict[str, str]]:
    """One system message, then strictly alternating user/assistant turns.

    Small local chat templates (Gemma's among them) reject a conversation that
    does not alternate or that starts with the assistant, so consecutive turns
    of one role are merged and the interviewer's instruction for this turn is
    the final user message.
    """
    messages: list[dict[str, str]] = [{"role": "system", "content": system}]
    convo: list[dict[str, str]] = []
    if summary:
        convo.append({"role": "user", "content": "Summary of the interview so far:\n" + summary})
    for turn in recent:
        role = "user" if turn.role == "candidate" else "assistant"
        convo.append({"role": role, "content": turn.text})
    convo.append({"role": "user", "content": directive})
    if convo[0]["role"] != "user":
        convo.insert(0, {"role": "user", "content": "(The interview has started.)"})
    for msg in convo:
        if len(messages) > 1 and messages[-1]["role"] == msg["role"]:
            messages[-1] = {"role": msg["role"], "content": messages[-1]["content"] + "\n\n" + msg["content"]}
        else:
            messages.append(msg)
    return messages

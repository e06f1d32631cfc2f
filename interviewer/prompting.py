"""Prompt templates and the bounded conversation context.

Templates are Jinja2 files under ``prompts/`` (StrictUndefined, so a typo in
a template fails loudly in tests rather than rendering an empty hole). The
context keeps the most recent turns verbatim and folds everything older into
a compact running summary, both measured in tiktoken tokens, so a 60-turn
interview sends roughly the same prompt size as a 10-turn one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2

from .errors import ContentError
from .framework import default_root
from .session import SPEAKERS, Turn
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
    who = SPEAKERS[turn.role]
    text = " ".join(turn.text.split())
    short = truncate_to_tokens(text, SUMMARY_LINE_TOKENS)
    if short != text:
        short += " …"
    return f"[step {turn.step}] {who}: {short}"


# Older turns roll into the summary in one large chunk only when the verbatim
# part outgrows its budget, and then down to ROLL_TO of it: between roll-ups
# the transcript is append-only, so a server's prefix cache reuses the whole
# previous prompt. (Rolling a few turns every turn would rewrite everything
# after the system message on every request.)
ROLL_TO = 0.5


def _cut(costs: list[int], budget: int) -> int:
    """Index of the first verbatim turn: replaying the interview turn by turn,
    the cut moves only when the window exceeds ``budget``, then shrinks it to
    ``budget * ROLL_TO`` (at least MIN_RECENT_TURNS stay). It depends on the
    turns alone, so every request of one interview agrees on it."""
    cut = window = 0
    for k, cost in enumerate(costs):
        window += cost
        if window > budget:
            while window > budget * ROLL_TO and k + 1 - cut > MIN_RECENT_TURNS:
                window -= costs[cut]
                cut += 1
    return cut


def split_context(
    turns: list[Turn], recent_budget: int = RECENT_BUDGET, summary_budget: int = SUMMARY_BUDGET
) -> tuple[str, list[Turn]]:
    """Return (summary of older turns, recent turns kept verbatim).

    Turns stay verbatim until they exceed ``recent_budget`` tokens; then the
    oldest roll into the summary until half the budget is left (see _cut).
    Older turns become one line each, newest kept first when the summary
    budget runs out.
    """
    cut = _cut([count_tokens(t.text) + 4 for t in turns], recent_budget)
    recent = turns[cut:]
    older = turns[:cut]
    if not older:
        return "", recent
    lines: list[str] = []
    used = 0
    for turn in reversed(older):
        line = _summary_line(turn)
        line_cost = count_tokens(line) + 1
        if used + line_cost > summary_budget:
            lines.append(f"(… {len(older) - len(lines)} earlier turns omitted)")
            break
        lines.append(line)
        used += line_cost
    lines.reverse()
    return "\n".join(lines), recent


# Candidate text that imitates the program's channel is defused before it is
# sent: the notes header and the assessment tag (after Unicode normalisation,
# so zero-width characters or full-width letters do not get past).
_FORGED = re.compile(r"interviewer\s*notes|</?\s*assessment", re.I)


def neutralise(text: str) -> str:
    flat = unicodedata.normalize("NFKC", text)
    flat = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", flat)
    if not _FORGED.search(flat):
        return text

    def defuse(m: re.Match[str]) -> str:
        word = re.sub(r"[\s</]+", "-", m.group(0)).strip("-")
        return f"«{word}, typed by the candidate»"

    return _FORGED.sub(defuse, flat)


NotesChannel = Literal["system", "user"]


def chat_messages(
    system: str, summary: str, recent: list[Turn], notes: str, *, channel: NotesChannel = "system"
) -> list[dict[str, str]]:
    """The stable system message, the conversation, then this turn's notes.

    The conversation alternates user/assistant (small local chat templates
    reject anything else, so consecutive turns of one role are merged). The
    notes come last as their own system message, never inside the candidate's
    words; for a server that rejects a system message after the first one,
    ``channel="user"`` appends them to the last user message inside a
    delimited block instead.
    """
    messages: list[dict[str, str]] = [{"role": "system", "content": system}]
    convo: list[dict[str, str]] = []
    if summary:
        convo.append({"role": "user", "content": "Summary of the interview so far:\n" + summary})
    for turn in recent:
        role = "user" if turn.role == "candidate" else "assistant"
        text = neutralise(turn.text) if turn.role == "candidate" else turn.text
        convo.append({"role": role, "content": text})
    if not convo or convo[0]["role"] != "user":
        convo.insert(0, {"role": "user", "content": "(The interview has started.)"})
    if convo[-1]["role"] != "user":
        convo.append({"role": "user", "content": "(The candidate is waiting for your reply.)"})
    for msg in convo:
        if len(messages) > 1 and messages[-1]["role"] == msg["role"]:
            messages[-1] = {"role": msg["role"], "content": messages[-1]["content"] + "\n\n" + msg["content"]}
        else:
            messages.append(msg)
    if channel == "user":
        last = messages[-1]
        block = f"\n\n<<<PROGRAM NOTES (not from the candidate)>>>\n{notes}<<<END PROGRAM NOTES>>>"
        messages[-1] = {"role": "user", "content": last["content"] + block}
    else:
        messages.append({"role": "system", "content": notes})
    return messages

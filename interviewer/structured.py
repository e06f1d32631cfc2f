"""Structured output from a model: ask, validate, re-ask with the error.

One concern, as instructor's ``retry.py``/``reask.py``: the caller supplies a
JSON schema, a ``parse`` function (pydantic validation plus any rule of its
own) and the text of the re-ask message; this module tries the strongest
``response_format`` the provider accepts, steps down when the provider
refuses one (JSON schema, then JSON mode, then plain prompting), and feeds
validation errors back to the model a bounded number of times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from . import llm
from .errors import GradeError, LLMError
from .llm import Message, Usage
from .settings import ModelSettings

log = logging.getLogger(__name__)

# Replies after the first that may be asked for when a reply does not validate.
MAX_REASKS = 2
# How much of an invalid reply is echoed back to the model.
MAX_ECHO_CHARS = 6000

T = TypeVar("T")


def formats(settings: ModelSettings, schema: dict[str, Any], name: str) -> list[dict[str, Any] | None]:
    """The response formats to try, strongest first, without repeats."""
    ladder: list[dict[str, Any] | None] = [
        llm.response_format_for(settings, schema, name),
        {"type": "json_object"},
        None,
    ]
    out: list[dict[str, Any] | None] = []
    for f in ladder:
        if f not in out:
            out.append(f)
    return out


def short_error(exc: Exception) -> str:
    """A validation error as a model (and a log line) can read it: the first few problems, one line."""
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors()[:4]:
            loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
            parts.append(f"{loc}: {e['msg']}")
        return "; ".join(parts)
    return " ".join(str(exc).split())[:300]


def ask_json(
    messages: list[Message],
    settings: ModelSettings,
    schema: dict[str, Any],
    name: str,
    parse: Callable[[Any], T],
    reask: Callable[[str], str],
    usage: Usage,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call the model until ``parse(json)`` succeeds, at most 1 + MAX_REASKS replies.

    ``parse`` raises ValueError (or a pydantic ValidationError) for a reply it
    cannot use; ``reask(error)`` is the user message sent back with the error.
    Raises GradeError when no reply validates, LLMError when the model cannot
    be reached. Every reply's tokens are added to ``usage``.
    """
    ladder = formats(settings, schema, name)
    level = 0
    messages = list(messages)
    reasks = 0
    while True:
        try:
            reply = llm.complete(messages, settings, response_format=ladder[level], sleep=sleep)
        except LLMError as err:
            if err.kind == "bad_request" and level + 1 < len(ladder):
                log.info(
                    "%s: %s refused response_format %s; trying %s",
                    name,
                    settings.model,
                    ladder[level],
                    ladder[level + 1],
                )
                level += 1
                continue
            raise
        usage.add(reply.usage)
        try:
            return parse(llm.extract_json(reply.text))
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            error = short_error(exc)
            if reasks >= MAX_REASKS:
                raise GradeError(f"the model's reply was not valid after {reasks + 1} attempts ({error})") from None
            reasks += 1
            log.info("%s: invalid reply (%s); asking again", name, error)
            messages += [
                {"role": "assistant", "content": reply.text[:MAX_ECHO_CHARS] or "(empty reply)"},
                {"role": "user", "content": reask(error)},
            ]

"""The only module that talks to litellm.

litellm is imported lazily (it costs ~2 s), after the offline environment is
set so it never fetches a cost map or tokenizer. Every failure becomes an
:class:`LLMError` whose message names the model, the server and the cause and
never contains the API key.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from .errors import LLMError
from .llm_errors import describe
from .settings import ModelSettings
from .tokens import configure_offline_env, count_message_tokens, count_tokens

log = logging.getLogger(__name__)

Message = dict[str, str]


class Usage(BaseModel):
    """Tokens and cost of model calls, summed per session."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Prompt tokens the provider served from its prompt cache (where it says so).
    cached_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.cached_tokens += other.cached_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd
        self.calls += other.calls

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Completion(BaseModel):
    text: str
    model: str
    usage: Usage


_litellm_module: Any = None


def _litellm() -> Any:
    global _litellm_module
    if _litellm_module is None:
        configure_offline_env()
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True  # a local server that ignores an option is fine
        litellm.telemetry = False
        _litellm_module = litellm
    return _litellm_module


def _kwargs(settings: ModelSettings, messages: list[Message], **extra: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": messages,
        "timeout": settings.timeout,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "num_retries": 0,  # retries are ours, so backoff and fallback are predictable
    }
    if settings.api_base:
        kwargs["api_base"] = settings.api_base
    key = settings.secret()
    if key:
        kwargs["api_key"] = key
    elif (settings.api_base and settings.model.startswith("openai/")) or not settings.server_keys:
        # A local OpenAI-compatible server needs no key, but the client insists
        # on one; and an explicit placeholder stops litellm from reading a
        # provider key from the server's environment for a visitor's route.
        kwargs["api_key"] = "sk-no-key-required"
    if wants_cache_hint(settings.model):
        kwargs["cache_control_injection_points"] = CACHE_HINT
    kwargs.update(extra)
    return kwargs


# OpenAI and most servers cache a repeated prompt prefix on their own;
# Anthropic's models cache only up to a marked block. The system message (the
# stable prefix, byte-identical on every turn) is that block.
CACHE_HINT = [{"location": "message", "role": "system"}]


def wants_cache_hint(model: str) -> bool:
    return model.startswith("anthropic/") or (model.startswith(("bedrock/", "vertex_ai/")) and "claude" in model)


def _cost(response: Any) -> float:
    try:
        return float(_litellm().completion_cost(completion_response=response) or 0.0)
    except Exception:  # unknown/local models have no price: free
        return 0.0


def cached_tokens_of(usage: Any) -> int:
    """Prompt tokens read from the provider's cache: OpenAI's (and litellm's
    normalised) prompt_tokens_details.cached_tokens, or Anthropic's
    cache_read_input_tokens; 0 when the provider does not say."""
    details = getattr(usage, "prompt_tokens_details", None)
    found = details.get("cached_tokens") if isinstance(details, dict) else getattr(details, "cached_tokens", None)
    found = found or getattr(usage, "cache_read_input_tokens", None)
    return int(found) if isinstance(found, int | float) and found > 0 else 0


def _usage_of(response: Any, messages: list[Message], text: str) -> Usage:
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None) or count_message_tokens(messages)
    completion = getattr(usage, "completion_tokens", None) or count_tokens(text)
    return Usage(
        prompt_tokens=int(prompt),
        completion_tokens=int(completion),
        cached_tokens=min(cached_tokens_of(usage), int(prompt)),
        cost_usd=_cost(response),
        calls=1,
    )


# A server's Retry-After is honoured up to this many seconds per wait.
MAX_RETRY_AFTER = 30.0


def backoff_delay(base: float, attempt: int, retry_after: float | None = None) -> float:
    """Seconds before retry ``attempt`` (0-based): the server's Retry-After when
    it gave one (capped), else exponential backoff with jitter."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, MAX_RETRY_AFTER)
    return base * (2**attempt) * (0.5 + random.random() / 2)


def _with_retries(
    settings: ModelSettings, attempt: Callable[[ModelSettings], Any], sleep: Callable[[float], None]
) -> Any:
    """Try the model with backoff, then the fallback model; raise the first model's error."""
    candidates = [settings] + ([settings.with_model(settings.fallback_model)] if settings.fallback_model else [])
    first_error: LLMError | None = None
    for current in candidates:
        for n in range(current.max_retries + 1):
            try:
                return attempt(current)
            except LLMError as err:
                error = err
            except Exception as exc:  # provider exceptions vary; classify them
                error = describe(exc, current)
            log.warning("model call failed (attempt %d): %s", n + 1, error)
            first_error = first_error or error
            if not error.retryable or n == current.max_retries:
                break
            sleep(backoff_delay(current.backoff, n, error.retry_after))
    assert first_error is not None
    raise first_error


def complete(
    messages: list[Message],
    settings: ModelSettings,
    *,
    response_format: dict[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Completion:
    """One non-streamed completion with retries and fallback."""

    def attempt(current: ModelSettings) -> Completion:
        extra = {"response_format": response_format} if response_format else {}
        response = _litellm().completion(**_kwargs(current, messages, **extra))
        text = response.choices[0].message.content or ""
        return Completion(text=text, model=current.model, usage=_usage_of(response, messages, text))

    result: Completion = _with_retries(settings, attempt, sleep)
    return result


# A streamed reply longer than this many characters per requested token is cut
# off: a server that ignores max_tokens must not stream forever.
CHARS_PER_TOKEN_CAP = 8
MIN_REPLY_CHARS_CAP = 4000


def reply_chars_cap(settings: ModelSettings) -> int:
    return max(settings.max_tokens * CHARS_PER_TOKEN_CAP, MIN_REPLY_CHARS_CAP)


class Stream:
    """Iterate to get text chunks as they arrive; afterwards ``completion`` holds
    the whole reply and its usage. Connection errors before the first chunk are
    retried; an error mid-stream raises LLMError (the partial text is kept).
    A reply past :func:`reply_chars_cap` is cut off (``truncated``); a reply
    with no text at all is an error (kind ``empty``), so the caller offers a retry."""

    def __init__(self, messages: list[Message], settings: ModelSettings, sleep: Callable[[float], None] = time.sleep):
        self.messages = messages
        self.settings = settings
        self.sleep = sleep
        self.completion: Completion | None = None
        self.partial = ""
        self.truncated = False

    def _open(self, current: ModelSettings) -> tuple[ModelSettings, Any, Any]:
        response = _litellm().completion(
            **_kwargs(current, self.messages, stream=True, stream_options={"include_usage": True})
        )
        iterator = iter(response)
        first = next(iterator, None)  # surfaces connection/HTTP errors inside the retry loop
        return current, first, iterator

    def __iter__(self) -> Iterator[str]:
        current, first, iterator = _with_retries(self.settings, self._open, self.sleep)
        cap = reply_chars_cap(current)
        chunks: list[Any] = []
        try:
            for chunk in itertools.chain([first] if first is not None else [], iterator):
                chunks.append(chunk)
                text = _delta(chunk)
                if text and len(self.partial) + len(text) > cap:
                    text = text[: cap - len(self.partial)]
                    self.truncated = True
                if text:
                    self.partial += text
                    yield text
                if self.truncated:
                    log.warning("reply from %s cut off at %d characters", current.where(), cap)
                    _close(iterator)
                    break
        except Exception as exc:
            raise describe(exc, current) from None
        if not self.partial.strip():
            raise LLMError(f"The model {current.where()} sent an empty reply.", retryable=True, kind="empty")
        response = None
        try:
            response = _litellm().stream_chunk_builder(chunks, messages=self.messages)
        except Exception:
            response = None
        self.completion = Completion(
            text=self.partial, model=current.model, usage=_usage_of(response, self.messages, self.partial)
        )


def _close(iterator: Any) -> None:
    """Stop reading a stream we cut off (closes the HTTP response where possible)."""
    for name in ("close", "aclose"):
        closer = getattr(iterator, name, None)
        if callable(closer):
            try:
                closer()
            except Exception:  # closing is best effort; the reply is already complete
                log.debug("closing a cut-off stream failed", exc_info=True)
            return


def _delta(chunk: Any) -> str:
    try:
        return chunk.choices[0].delta.content or ""
    except (AttributeError, IndexError):
        return ""


def stream(messages: list[Message], settings: ModelSettings, sleep: Callable[[float], None] = time.sleep) -> Stream:
    return Stream(messages, settings, sleep)


# --- structured output -----------------------------------------------------


def response_format_for(settings: ModelSettings, schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The structured-output form this provider accepts.

    Hosted providers take OpenAI's ``json_schema``; llama.cpp's server refuses
    that but enforces ``{"type": "json_object", "schema": ...}`` as a grammar,
    and Ollama/vLLM accept the same. ``none`` leaves it to the prompt (and our
    validate-and-re-ask loop).
    """
    mode = settings.structured
    if mode == "auto":
        mode = "json_object" if settings.is_local else "json_schema"
    if mode == "none":
        return None
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}


def extract_json(text: str) -> Any:
    """Parse JSON from a reply that may wrap it in prose or a fenced block."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        if text.lower().startswith("json"):
            text = text[4:]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            return json.loads(text[start : end + 1])
        raise


def test_connection(settings: ModelSettings) -> str:
    """A one-token call; returns a short success line or raises LLMError."""
    if settings.offline:
        return "Offline mode: no model is called."
    probe = settings.model_copy(update={"max_tokens": 5, "max_retries": 0, "fallback_model": None})
    started = time.monotonic()
    result = complete([{"role": "user", "content": "Reply with the word: ready"}], probe)
    return (
        f"Connected to {settings.where()} in {time.monotonic() - started:.1f} s (reply: {result.text.strip()[:40]!r})."
    )

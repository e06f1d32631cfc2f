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
import os
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .session import Usage, is_offline_model
from .tokens import configure_offline_env, count_message_tokens, count_tokens

log = logging.getLogger(__name__)

Message = dict[str, str]
StructuredMode = Literal["auto", "json_schema", "json_object", "none"]

LOCAL_PREFIXES = ("ollama/", "ollama_chat/", "hosted_vllm/", "lm_studio/", "llamafile/")


class ModelSettings(BaseModel):
    """How to reach a model. The key is a SecretStr and is excluded from dumps."""

    model_config = ConfigDict(extra="forbid")

    model: str = "offline"
    api_base: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    # Seconds before the first retry; doubled each time, with jitter.
    backoff: float = Field(default=1.0, ge=0)
    fallback_model: str | None = None
    temperature: float = 0.4
    max_tokens: int = 600
    structured: StructuredMode = "auto"

    @property
    def offline(self) -> bool:
        return is_offline_model(self.model)

    @property
    def is_local(self) -> bool:
        return bool(self.api_base) or self.model.startswith(LOCAL_PREFIXES)

    def where(self) -> str:
        return f"{self.model} at {self.api_base}" if self.api_base else self.model

    def with_model(self, model: str) -> ModelSettings:
        return self.model_copy(update={"model": model})

    def secret(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


def settings_from_env(
    model: str | None = None, api_base: str | None = None, *, env: dict[str, str] | None = None
) -> ModelSettings:
    """Model settings from arguments, then INTERVIEWER_* variables."""
    env = dict(os.environ) if env is None else env
    chosen = model or env.get("INTERVIEWER_MODEL") or "offline"
    key = env.get("INTERVIEWER_API_KEY")
    try:
        return ModelSettings(
            model=chosen,
            api_base=api_base or env.get("INTERVIEWER_API_BASE") or None,
            api_key=SecretStr(key) if key else None,
            timeout=_env_number(env, "INTERVIEWER_TIMEOUT", 60.0),
            max_retries=int(_env_number(env, "INTERVIEWER_RETRIES", 2)),
            fallback_model=env.get("INTERVIEWER_FALLBACK_MODEL") or None,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"Bad model setting: {problems}") from None


class SettingsError(ValueError):
    """A model setting from the environment is unusable; safe to show."""


def _env_number(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


class LLMError(Exception):
    """A model call failed; ``str(err)`` is safe to show a user."""

    def __init__(self, message: str, *, retryable: bool = False, kind: str = "error") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind


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


def _scrub(text: str, settings: ModelSettings) -> str:
    secret = settings.secret()
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    return text


def _describe(exc: Exception, settings: ModelSettings) -> LLMError:
    """Turn any provider exception into a short message naming server and cause."""
    name = type(exc).__name__
    raw = " ".join(str(exc).split())
    # litellm prefixes messages with "litellm.X: XException - "; keep the tail.
    if " - " in raw:
        raw = raw.split(" - ", 1)[1]
    raw = _scrub(raw, settings)[:300]
    where = settings.where()
    status = getattr(exc, "status_code", None)
    if "Timeout" in name or "timed out" in raw.lower():
        return LLMError(
            f"The model {where} did not answer within {settings.timeout:g} s.", retryable=True, kind="timeout"
        )
    if "RateLimit" in name or status == 429:
        return LLMError(f"The model {where} is rate limited (HTTP 429): {raw}", retryable=True, kind="rate_limit")
    if "Authentication" in name or status in (401, 403):
        return LLMError(
            f"The model {where} rejected the API key (HTTP {status or 401}). Check INTERVIEWER_API_KEY or the provider's key variable.",
            kind="auth",
        )
    if "NotFound" in name or status == 404:
        return LLMError(f"The model {where} was not found (HTTP 404): {raw}", kind="not_found")
    if "Connection" in name or "connect" in raw.lower():
        return LLMError(f"Could not reach the model server for {where}: {raw}", retryable=True, kind="connection")
    if status is not None and int(status) >= 500:
        return LLMError(f"The model server for {where} failed (HTTP {status}): {raw}", retryable=True, kind="server")
    if "BadRequest" in name or status == 400:
        return LLMError(f"The model {where} refused the request (HTTP 400): {raw}", kind="bad_request")
    return LLMError(f"The model call to {where} failed ({name}): {raw}", retryable=True)


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
    elif settings.api_base and settings.model.startswith("openai/"):
        # A local OpenAI-compatible server needs no key, but the client insists on one.
        kwargs["api_key"] = "sk-no-key-required"
    kwargs.update(extra)
    return kwargs


def _cost(response: Any) -> float:
    try:
        return float(_litellm().completion_cost(completion_response=response) or 0.0)
    except Exception:  # unknown/local models have no price: free
        return 0.0


def _usage_of(response: Any, messages: list[Message], text: str) -> Usage:
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None) or count_message_tokens(messages)
    completion = getattr(usage, "completion_tokens", None) or count_tokens(text)
    return Usage(prompt_tokens=int(prompt), completion_tokens=int(completion), cost_usd=_cost(response), calls=1)


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
                error = _describe(exc, current)
            log.warning("model call failed (attempt %d): %s", n + 1, error)
            first_error = first_error or error
            if not error.retryable or n == current.max_retries:
                break
            sleep(current.backoff * (2**n) * (0.5 + random.random() / 2))
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


class Stream:
    """Iterate to get text chunks as they arrive; afterwards ``completion`` holds
    the whole reply and its usage. Connection errors before the first chunk are
    retried; an error mid-stream raises LLMError (the partial text is kept)."""

    def __init__(self, messages: list[Message], settings: ModelSettings, sleep: Callable[[float], None] = time.sleep):
        self.messages = messages
        self.settings = settings
        self.sleep = sleep
        self.completion: Completion | None = None
        self.partial = ""

    def _open(self, current: ModelSettings) -> tuple[ModelSettings, Any, Any]:
        response = _litellm().completion(
            **_kwargs(current, self.messages, stream=True, stream_options={"include_usage": True})
        )
        iterator = iter(response)
        first = next(iterator, None)  # surfaces connection/HTTP errors inside the retry loop
        return current, first, iterator

    def __iter__(self) -> Iterator[str]:
        current, first, iterator = _with_retries(self.settings, self._open, self.sleep)
        chunks: list[Any] = []
        try:
            for chunk in itertools.chain([first] if first is not None else [], iterator):
                chunks.append(chunk)
                text = _delta(chunk)
                if text:
                    self.partial += text
                    yield text
        except Exception as exc:
            raise _describe(exc, current) from None
        response = None
        try:
            response = _litellm().stream_chunk_builder(chunks, messages=self.messages)
        except Exception:
            response = None
        self.completion = Completion(
            text=self.partial, model=current.model, usage=_usage_of(response, self.messages, self.partial)
        )


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

"""litellm failures are classified by class; every class litellm has is decided on purpose."""

from __future__ import annotations

import inspect

import httpx
import pytest

from interviewer.errors import LLMError
from interviewer.llm_errors import EXCEPTIONS, classify, describe, retry_after, scrub
from interviewer.settings import ModelSettings

SETTINGS = ModelSettings(model="openai/x", api_base="http://127.0.0.1:9/v1", api_key="sk-CANARY-1234567890")  # type: ignore[arg-type]


def litellm_exceptions() -> list[type[BaseException]]:
    import litellm.exceptions

    return [
        c
        for _, c in inspect.getmembers(litellm.exceptions, inspect.isclass)
        if issubclass(c, BaseException) and c.__module__.startswith(("litellm", "openai"))
    ]


def test_every_litellm_exception_class_is_listed() -> None:
    # Fails when a litellm upgrade adds an exception class: decide its kind here.
    missing = sorted({c.__name__ for c in litellm_exceptions()} - set(EXCEPTIONS))
    assert not missing, f"classify these litellm exceptions in llm_errors.EXCEPTIONS: {missing}"


def _make(cls: type[BaseException], status: int, message: str = "boom") -> BaseException:
    response = httpx.Response(status, request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    try:
        return cls(message=message, llm_provider="openai", model="x", response=response)  # type: ignore[call-arg]
    except TypeError:
        return cls(message, llm_provider="openai", model="x")  # type: ignore[call-arg]


def test_context_window_overflow_is_not_a_format_problem_and_not_retried() -> None:
    import litellm

    err = describe(
        _make(litellm.ContextWindowExceededError, 400, "This model's maximum context length is 8192"), SETTINGS
    )
    assert err.kind == "context_window" and not err.retryable


@pytest.mark.parametrize(
    ("name", "status", "kind", "retryable"),
    [
        ("RateLimitError", 429, "rate_limit", True),
        ("AuthenticationError", 401, "auth", False),
        ("NotFoundError", 404, "not_found", False),
        ("BadRequestError", 400, "bad_request", False),
        ("ServiceUnavailableError", 503, "server", True),
        ("ContentPolicyViolationError", 400, "content_policy", False),
    ],
)
def test_classes_map_to_kinds(name: str, status: int, kind: str, retryable: bool) -> None:
    import litellm

    err = describe(_make(getattr(litellm, name), status, "the body <html>admin page</html>"), SETTINGS)
    assert (err.kind, err.retryable) == (kind, retryable)
    assert "admin page" not in str(err) and isinstance(err, LLMError)


def test_unknown_classes_fall_back_to_a_generic_retryable_error() -> None:
    class Weird(Exception):
        pass

    info = classify(Weird("x"))
    assert info.kind == "error" and info.retryable


def test_key_and_its_fragments_are_scrubbed() -> None:
    key = "sk-CANARY-1234567890"
    text = f"bad key {key} and echoed sk-CANAR**** and sk-CANARY-12 and short sk-CA"
    out = scrub(text, key)
    assert "CANAR" not in out and "sk-CA" in out  # fragments under 8 characters say nothing


def test_retry_after_is_read_from_the_response() -> None:
    class E(Exception):
        response = httpx.Response(429, headers={"Retry-After": "20"})

    assert retry_after(E()) == 20.0
    assert retry_after(Exception()) is None

"""Classify model-call failures by litellm's exception classes.

Every litellm exception class is listed in :data:`EXCEPTIONS` with what it
means for us: a kind, and whether trying again can help. The lookup walks the
exception's class hierarchy, so a subclass litellm adds later still lands on
its parent; ``tests/test_llm_errors.py`` fails when a litellm upgrade adds a
class that is not listed, so each new one is decided on purpose (as aider's
``exceptions.py`` does).

Messages name the model, the server and the cause. They never carry the
response body (a visitor-named URL could be an internal page) and never any
part of the API key.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import LLMError, LLMErrorKind
from .settings import ModelSettings

log = logging.getLogger(__name__)

# The shortest run of a key's first characters that counts as leaking it
# (servers echo fragments such as "sk-CANAR****").
KEY_PREFIX_CHARS = 8
MAX_CAUSE_CHARS = 160


@dataclass(frozen=True)
class ExInfo:
    kind: LLMErrorKind
    retryable: bool
    what: str


EXCEPTIONS: dict[str, ExInfo] = {
    "APIConnectionError": ExInfo("connection", True, "could not reach the model server"),
    "APIError": ExInfo("server", True, "the model server returned an error"),
    "APIResponseValidationError": ExInfo("server", True, "the model server sent a malformed response"),
    "AuthenticationError": ExInfo("auth", False, "the model server rejected the API key"),
    "BadGatewayError": ExInfo("server", True, "the model server's gateway failed"),
    "BadRequestError": ExInfo("bad_request", False, "the model server refused the request"),
    "BlockedPiiEntityError": ExInfo("content_policy", False, "a guardrail blocked personal data in the request"),
    "BudgetExceededError": ExInfo("rate_limit", False, "the budget for this key is spent"),
    "CallerCredentialAuthenticationError": ExInfo("auth", False, "the model server rejected the API key"),
    "CallerCredentialRateLimitError": ExInfo("rate_limit", True, "the model is rate limited"),
    "ContentPolicyViolationError": ExInfo("content_policy", False, "the provider's content policy refused the request"),
    "ContextWindowExceededError": ExInfo("context_window", False, "the prompt is longer than the model's context"),
    "EndpointNotSupportedByModelError": ExInfo("unsupported", False, "the model does not support this endpoint"),
    "GuardrailRaisedException": ExInfo("content_policy", False, "a guardrail refused the request"),
    "ImageFetchError": ExInfo("bad_request", False, "the model server could not fetch an image"),
    "InternalServerError": ExInfo("server", True, "the model server failed"),
    "InvalidRequestError": ExInfo("bad_request", False, "the model server refused the request"),
    "JSONSchemaValidationError": ExInfo("unsupported", False, "the reply did not match the requested schema"),
    "LiteLLMUnknownProvider": ExInfo("not_found", False, "litellm does not know this model's provider"),
    "MalformedRequestFieldError": ExInfo("bad_request", False, "the model server refused a request field"),
    "MidStreamFallbackError": ExInfo("server", True, "the reply broke off mid-stream"),
    "MockException": ExInfo("error", False, "a mocked failure"),
    "ModelNotMappedError": ExInfo("not_found", False, "litellm does not know this model"),
    "ModifyResponseException": ExInfo("content_policy", False, "a guardrail changed the response"),
    "NotFoundError": ExInfo("not_found", False, "the model or endpoint was not found"),
    "OpenAIError": ExInfo("error", True, "the model call failed"),
    "PaymentRequiredError": ExInfo("auth", False, "the provider account needs payment"),
    "PermissionDeniedError": ExInfo("auth", False, "the API key may not use this model"),
    "RateLimitError": ExInfo("rate_limit", True, "the model is rate limited"),
    "RejectedRequestError": ExInfo("content_policy", False, "the provider rejected the request"),
    "SensitiveDataRouteException": ExInfo("content_policy", False, "a guardrail blocked sensitive data"),
    "ServiceUnavailableError": ExInfo("server", True, "the model server is unavailable"),
    "Timeout": ExInfo("timeout", True, "the model did not answer in time"),
    "UnprocessableEntityError": ExInfo("bad_request", False, "the model server could not process the request"),
    "UnsupportedEndpointError": ExInfo("unsupported", False, "the model does not support this endpoint"),
    "UnsupportedParamsError": ExInfo("unsupported", False, "the model does not support a parameter we sent"),
    "VectorStoreSearchError": ExInfo("bad_request", False, "a vector store search failed"),
    # Not litellm's, but seen when a stream breaks or a socket fails under it.
    "APITimeoutError": ExInfo("timeout", True, "the model did not answer in time"),
    "TimeoutException": ExInfo("timeout", True, "the model did not answer in time"),
    "TimeoutError": ExInfo("timeout", True, "the model did not answer in time"),
    "ConnectError": ExInfo("connection", True, "could not reach the model server"),
    "RemoteProtocolError": ExInfo("connection", True, "the connection to the model server broke"),
    "ReadError": ExInfo("connection", True, "the connection to the model server broke"),
    "ConnectionError": ExInfo("connection", True, "could not reach the model server"),
}
UNKNOWN = ExInfo("error", True, "the model call failed")

# OS-level causes worth naming (they come from our side, not the server's body).
_CAUSES = (
    "connection refused",
    "name or service not known",
    "temporary failure in name resolution",
    "no route to host",
    "network is unreachable",
    "connection reset",
    "timed out",
    "certificate verify failed",
)


def _lookup(exc: BaseException) -> ExInfo | None:
    for cls in type(exc).__mro__:
        info = EXCEPTIONS.get(cls.__name__)
        if info is not None:
            return info
    return None


def _unreachable(exc: BaseException) -> bool:
    """litellm reports a refused connection as an InternalServerError (HTTP 500)
    saying "Connection error."; the socket error underneath tells the truth."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current is not exc:
            info = _lookup(current)
            if info is not None and info.kind == "connection":
                return True
        current = current.__cause__ or current.__context__
    return "connection error" in " ".join(str(exc).split()).lower()


def classify(exc: BaseException) -> ExInfo:
    if _unreachable(exc):
        return EXCEPTIONS["APIConnectionError"]
    info = _lookup(exc)
    if info is None:
        log.warning("unclassified model error %s", type(exc).__name__)
        return UNKNOWN
    return info


def scrub(text: str, secret: str | None) -> str:
    """Remove the key and any fragment of its first 8+ characters."""
    if not secret or len(secret) < KEY_PREFIX_CHARS:
        return text.replace(secret, "[redacted]") if secret else text
    for n in range(len(secret), KEY_PREFIX_CHARS - 1, -1):
        if secret[:n] in text:
            text = text.replace(secret[:n], "[redacted]")
    return text


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if any."""
    headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        raw = headers.get("retry-after") or headers.get("Retry-After")
    except AttributeError:
        return None
    if not raw:
        return None
    raw = str(raw).strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return float(raw)
    try:
        from datetime import UTC, datetime

        return max((parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def _cause(exc: BaseException) -> str:
    text = " ".join(str(exc).split()).lower()
    for cause in _CAUSES:
        if cause in text:
            return cause
    return ""


def describe(exc: BaseException, settings: ModelSettings) -> LLMError:
    """An LLMError naming the model, the server, the status and the cause."""
    if isinstance(exc, LLMError):
        return exc
    info = classify(exc)
    status = status_of(exc)
    kind, retryable = info.kind, info.retryable
    if kind == "connection":
        status = None  # the 500 litellm attaches to a refused connection is its own, not the server's
    if kind in ("error", "server", "bad_request") and status is not None:
        # A bare APIError still tells us what happened by its status.
        if status == 429:
            kind, retryable = "rate_limit", True
        elif status in (401, 403):
            kind, retryable = "auth", False
        elif status == 404:
            kind, retryable = "not_found", False
        elif status >= 500:
            kind, retryable = "server", True
    text = str(exc).lower()
    if "api_key" in text and ("must be set" in text or "missing" in text):
        # The client refused before sending anything: no key configured.
        kind, retryable = "auth", False
        message = (
            f"No API key for {settings.where()}: set INTERVIEWER_API_KEY or the provider's key variable "
            "(e.g. OPENAI_API_KEY)."
        )
        return LLMError(message, retryable=False, kind=kind)
    where = settings.where()
    cause = _cause(exc)
    detail = f"HTTP {status}" if status is not None else type(exc).__name__
    if kind == "timeout":
        message = f"The model {where} did not answer within {settings.timeout:g} s."
    elif kind == "connection":
        message = f"Could not reach the model server for {where} ({cause or 'connection failed'})."
    elif kind == "rate_limit" and status == 429:
        message = f"The model {where} is rate limited (HTTP 429)."
    elif kind == "auth" and status in (None, 401):
        message = (
            f"The model {where} rejected the API key (HTTP {status or 401}). "
            "Check INTERVIEWER_API_KEY or the provider's key variable."
        )
    elif kind == "not_found" and status == 404:
        message = f"The model {where} was not found (HTTP 404)."
    elif kind == "server" and status is not None:
        message = f"The model server for {where} failed (HTTP {status})."
    else:
        message = f"The model call to {where} failed: {info.what} ({detail}{', ' + cause if cause else ''})."
    message = scrub(message, settings.secret())[:400]
    return LLMError(message, retryable=retryable, kind=kind, retry_after=retry_after(exc))

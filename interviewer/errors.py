"""One family of errors. Every message is written to be shown to a user.

The CLI and the app catch :class:`InterviewerError` and print or show
``str(err)``; anything else that escapes is a bug, logged with its traceback
but never shown. Subclasses say which layer refused what, so callers can
react (retry a model call, reload a session) without parsing messages.
"""

from __future__ import annotations

from typing import Literal


class InterviewerError(Exception):
    """Base of every error this package raises on purpose; ``str(err)`` is safe to show."""


class ContentError(InterviewerError):
    """A content file (prompt, problem, rubric) is missing or malformed; names file and field."""


class SettingsError(InterviewerError):
    """A setting (environment, secrets, flag) is unusable; names the setting."""


class InputError(InterviewerError):
    """What a user typed or uploaded was refused; nothing was changed."""


class NotFoundError(InterviewerError, KeyError):
    """A session, problem, topic or report does not exist (or is not the user's)."""

    def __str__(self) -> str:
        # KeyError would show the repr ('...'); this message is for people.
        return str(self.args[0]) if self.args else ""


class StoreError(InterviewerError):
    """The session store cannot be opened or a record is unreadable."""


class ConflictError(StoreError):
    """Another window or process changed the session first; reload and try again."""


class TranscriptError(InputError):
    """Text is not a usable transcript; the message says why."""


class ReportError(InputError):
    """A stored or imported report cannot be read."""


class GradeError(InterviewerError):
    """A grading call's reply could not be used."""


LLMErrorKind = Literal[
    "timeout",
    "rate_limit",
    "auth",
    "not_found",
    "connection",
    "server",
    "bad_request",
    "context_window",
    "content_policy",
    "unsupported",
    "empty",
    "too_long",
    "error",
]


class LLMError(InterviewerError):
    """A model call failed; the message names the model, the server and the cause."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        kind: LLMErrorKind = "error",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind: LLMErrorKind = kind
        # Seconds the server asked us to wait (Retry-After), if it said.
        self.retry_after = retry_after

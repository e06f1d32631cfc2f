"""What every CLI command shares: exit codes, the content, the store, model settings.

Kept apart from :mod:`interviewer.cli` (the parser and the interview
commands) and :mod:`interviewer.cli_grade` so both import it and neither
imports the other's internals. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import NotFoundError, SettingsError
from .framework import Framework, framework
from .settings import ModelSettings, Settings, check_api_base, check_dir, load_settings

if TYPE_CHECKING:
    from .session import Session
    from .store import Store

EXIT_OK = 0
# Bad input, unknown ids, a failing model: a one-line message on stderr.
EXIT_USAGE = 2


def settings() -> Settings:
    return load_settings()


def content(args: argparse.Namespace) -> Framework:
    return framework(Path(args.content_dir) if getattr(args, "content_dir", None) else None)


def data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return check_dir(args.data_dir, "--data-dir")
    return settings().data_dir


def open_store(args: argparse.Namespace) -> Store:
    from .store import Store

    return Store(data_dir(args))


def load_session(store: Store, session_id: str) -> Session:
    try:
        return store.load(session_id)
    except NotFoundError:
        raise NotFoundError(f"No session {session_id!r} in {store.path}. See: python -m interviewer sessions") from None


def model_settings(args: argparse.Namespace, session_model: str | None = None) -> ModelSettings:
    """The interviewer's model: ``--offline``, else ``--model``, else the session's, else the configuration.
    The server is ``--api-base`` or INTERVIEWER_API_BASE, never one a session file names: an
    imported session must not choose where this machine's key is sent."""
    if getattr(args, "offline", False):
        return settings().model_settings("offline")
    return settings().model_settings(args.model or session_model, args.api_base)


def api_base_arg(value: str) -> str:
    """argparse type for --api-base: an http(s) URL with a host, refused at once
    (exit 2) instead of being retried as a connection error for a minute."""
    try:
        return check_api_base(value, "--api-base") or ""
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--api-base ")) from None


def samples_arg(value: str) -> int:
    """argparse type for --samples: how many times each step is graded."""
    from .results import MAX_SAMPLES

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"samples must be a whole number, got {value!r}") from None
    if not 1 <= n <= MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"samples must be between 1 and {MAX_SAMPLES}, got {n}")
    return n


def print_json(obj: object, out: TextIO) -> None:
    out.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")

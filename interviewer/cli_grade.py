"""``grade`` and ``export``: the grading commands of ``python -m interviewer``.

Nothing heavy is imported at module level (``cli.build_parser`` imports this
module for every command); the grader, litellm and fpdf2 load inside the
handlers.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .cli_common import EXIT_OK, api_base_arg, content, load_session, open_store, samples_arg
from .errors import InputError
from .export import FORMATS, SUFFIXES
from .framework import LEVELS
from .results import MAX_SAMPLES
from .settings import grader_model_for, is_offline_model, load_settings
from .transcript import MAX_TRANSCRIPT_CHARS

if TYPE_CHECKING:
    from .framework import Framework
    from .results import Report
    from .session import Session
    from .settings import ModelSettings
    from .store import Store

# Bytes read from a file to import (a transcript, a session or report JSON);
# the text itself is then held to MAX_TRANSCRIPT_CHARS (UTF-8 is at most 4 bytes a character).
MAX_IMPORT_BYTES = 4 * MAX_TRANSCRIPT_CHARS
# Not one step could be graded (the model failed throughout).
EXIT_GRADING_FAILED = 1


def add_parsers(sub: argparse._SubParsersAction, model_help: str) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "grade",
        help="grade an interview and print its feedback report",
        description=(
            "Grade a stored session (by id), a session JSON export, or a plain-text transcript "
            "(first line 'Problem: <title or id>', then turns starting 'Interviewer:' or 'Candidate:'). "
            "Grading a stored session saves the report with it."
        ),
    )
    p.add_argument(
        "source", metavar="FILE_OR_SESSION_ID", help="session id, session .json, or transcript .txt ('-' reads stdin)"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--model",
        help=f"grader model: {model_help}; default: the session's grader/interviewer model, "
        "then INTERVIEWER_GRADER_MODEL, then INTERVIEWER_MODEL, else offline",
    )
    which.add_argument(
        "--offline",
        action="store_true",
        help="run the rule-based offline coverage check (no model; no score or verdict)",
    )
    p.add_argument(
        "--api-base", type=api_base_arg, help="URL of an OpenAI-compatible or Ollama server (env INTERVIEWER_API_BASE)"
    )
    p.add_argument("--level", choices=LEVELS, help="grade against this level instead of the session's")
    p.add_argument(
        "--samples",
        type=samples_arg,
        default=1,
        help=f"grade each step k times (1-{MAX_SAMPLES}) and report mean and spread",
    )
    p.add_argument("--format", choices=FORMATS, help="md (default), html, json or pdf; -o's extension also sets it")
    p.add_argument("-o", "--output", metavar="OUT", help="write the report to this file instead of stdout")
    p.set_defaults(handler=cmd_grade)

    p = sub.add_parser(
        "export",
        help="render a session's latest report (md, html, json, pdf)",
        description="Render the latest stored report of a session, or re-render a report .json file.",
    )
    p.add_argument("source", metavar="SESSION_ID_OR_REPORT_JSON")
    p.add_argument("--format", choices=FORMATS, help="md (default), html, json or pdf; -o's extension also sets it")
    p.add_argument("-o", "--output", metavar="OUT", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_export)

    from . import cli_calibrate  # light: its handler imports the grader lazily

    cli_calibrate.add_parser(sub, model_help)


# --- helpers ------------------------------------------------------------------------


def _error(message: str) -> Exception:
    return InputError(message)


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        return SUFFIXES.get(Path(args.output).suffix.lower(), "md")
    return "md"


def _too_big(name: str, size: int) -> Exception:
    return _error(f"{name}: too large ({size:,} bytes; the limit for a transcript or session is {MAX_IMPORT_BYTES:,})")


def read_text(path: Path) -> str:
    """A UTF-8 file to import, refused before reading when it is over the size cap."""
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise _too_big(str(path), size)
        with path.open("rb") as handle:
            raw = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise _error(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_IMPORT_BYTES:  # grew while we looked, or not a regular file
        raise _too_big(str(path), len(raw))
    if not raw.strip():
        raise _error(f"{path}: the file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error(f"{path}: not UTF-8 text (a transcript must be a UTF-8 text file or a session .json)") from None


def session_from_text(text: str, name: str, fw: Framework, level: str | None) -> Session:
    """A Session from a session JSON export or a plain-text transcript."""
    import json

    from pydantic import ValidationError

    from .session import Session
    from .transcript import TranscriptError, parse_transcript

    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise _error(f"{name}: the file is empty")
    if len(text) > MAX_TRANSCRIPT_CHARS:
        # The same cap for a session JSON as for a text transcript: grading time grows with the text.
        raise _error(f"{name}: too long ({len(text):,} characters; the limit is {MAX_TRANSCRIPT_CHARS:,})")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise _error(f"{name}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, dict) and data.get("kind") == "interviewer-report":
            raise _error(
                f"{name} is a report, not a session. Render it with: python -m interviewer export {name} --format html"
            )
        if isinstance(data, dict) and isinstance(data.get("session"), dict):
            data = data["session"]
        if not isinstance(data, dict) or "turns" not in data or "problem" not in data:
            raise _error(f"{name}: not a session export (a JSON object with 'problem' and 'turns')")
        try:
            session = Session.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _error(f"{name}: not a valid session export: field '{where}': {first['msg']}") from None
        if level:
            session.level = level  # type: ignore[assignment]
        return session
    try:
        return parse_transcript(text, fw, level=level)  # type: ignore[arg-type]
    except TranscriptError as exc:
        raise _error(f"{name}: {exc}") from None


def grader_settings(
    args: argparse.Namespace, session: Session, env: dict[str, str] | None = None
) -> ModelSettings | None:
    """--model, else the session's grader or interviewer model, else INTERVIEWER_GRADER_MODEL /
    INTERVIEWER_MODEL, else None (offline). The key only ever comes from the environment."""
    if args.offline:
        return None
    config = load_settings(env)
    model = grader_model_for(
        config,
        explicit=args.model,
        session_grader=session.grader_model,
        session_model=None if is_offline_model(session.model) else session.model,
    )
    if is_offline_model(model):
        return None
    # Never the file's api_base: a shared session file must not choose where
    # this machine's key is sent. --api-base (or INTERVIEWER_API_BASE) does.
    return config.model_settings(model, args.api_base)


def write_report(report: Report, fmt: str, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    from .export import render

    if fmt == "pdf" and not args.output:
        raise _error("PDF is binary and is not written to the terminal: add -o report.pdf")
    body = render(report, fmt)
    if not args.output:
        out.write(body if isinstance(body, str) else body.decode())
        return
    path = Path(args.output)
    try:
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise _error(f"cannot write {path}: {exc.strerror}") from None
    err.write(f"Report written to {path}\n")


def save_graded(store: Store, session_id: str, report: Report, err: TextIO) -> bool:
    """Store ``report`` as the session's latest unless it is worse than the one
    stored (results.replaces); says which on ``err``. False when not saved."""
    from .errors import StoreError
    from .results import ReportError, graded_steps, load_report, replaces

    stored = store.latest_report(session_id)
    previous = None
    if stored is not None:
        try:
            previous = load_report(dict(stored.data))
        except ReportError:
            previous = None  # an unreadable report is no good report to keep
    if not replaces(report, previous):
        kept = (
            f"the report of {stored.created_at:%Y-%m-%d %H:%M} ({graded_steps(previous)} step(s) graded) is kept"
            if stored is not None and previous is not None
            else "nothing was saved"
        )
        err.write(f"This grading graded {graded_steps(report)} step(s), so it is not saved: {kept}.\n")
        return False
    try:
        store.save_report(session_id, report.model_dump(mode="json"), report.overall_score)
    except StoreError as exc:
        err.write(f"warning: {exc}\n")
        return False
    err.write(f"Saved the report with session {session_id}.\n")
    return True


# --- commands ----------------------------------------------------------------------------


def cmd_grade(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .grader import grade_session
    from .scoring import is_answer

    fmt = output_format(args)
    if fmt == "pdf" and not args.output:
        raise _error("PDF is binary and is not written to the terminal: add -o report.pdf")
    fw = content(args)
    store = None
    source = args.source
    path = Path(source)
    if source == "-":
        session = session_from_text(stdin.read(MAX_TRANSCRIPT_CHARS + 1), "stdin", fw, args.level)
    elif path.is_file():
        session = session_from_text(read_text(path), source, fw, args.level)
    elif path.exists():
        raise _error(f"{source} is not a file")
    else:
        store = open_store(args)
        if not store.exists(source):
            looks_like_path = any(ch in source for ch in "/\\.")
            raise _error(
                f"No such file: {source}"
                if looks_like_path
                else f"No file or stored session {source!r} (see: python -m interviewer sessions)"
            )
        session = load_session(store, source)
        if args.level:
            session.level = args.level
    if not any(is_answer(t) and t.text.strip() for t in session.turns):
        raise _error(f"{source}: the interview has no candidate answers, so there is nothing to grade")

    settings = grader_settings(args, session)
    if settings is None:
        err.write("Checking rubric coverage offline (rule-based; no model is called; no score or verdict).\n")
    else:
        err.write(
            f"Grading with {settings.model}{' at ' + settings.api_base if settings.api_base else ''}"
            f" ({args.samples} sample(s) per step)...\n"
        )

    def progress(step: int, status: str) -> None:
        err.write(f"  step {step}: {status}\n")
        err.flush()

    report = grade_session(fw, session, settings, samples=args.samples, on_progress=progress)
    if store is not None:
        save_graded(store, session.id, report, err)
    write_report(report, fmt, args, out, err)
    reached = [s for s in report.steps if s.status != "not covered"]
    if reached and all(s.status == "not graded" for s in reached):
        err.write(f"error: no step could be graded: {reached[0].reason}\n")
        return EXIT_GRADING_FAILED
    return EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .results import ReportError, load_report

    fmt = output_format(args)
    if fmt == "pdf" and not args.output:
        raise _error("PDF is binary and is not written to the terminal: add -o report.pdf")
    path = Path(args.source)
    if path.is_file():
        try:
            report = load_report(read_text(path))
        except ReportError as exc:
            raise _error(f"{path}: {exc}") from None
    else:
        store = open_store(args)
        stored = store.latest_report(args.source)
        if stored is None:
            if store.exists(args.source):
                raise _error(
                    f"Session {args.source} has no report yet. Grade it first: "
                    f"python -m interviewer grade {args.source}  (add --offline to grade without a model)"
                )
            raise _error(f"No report file or stored session {args.source!r} (see: python -m interviewer sessions)")
        try:
            report = load_report(dict(stored.data))
        except ReportError as exc:
            raise _error(f"The stored report of session {args.source} cannot be read: {exc}") from None
    write_report(report, fmt, args, out, err)
    return EXIT_OK

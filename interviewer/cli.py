"""``python -m interviewer``: everything the browser does, from a terminal.

Nothing heavy is imported at module level: ``--help`` and the content
commands never pay for litellm.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    api_base_arg,
    content,
    data_dir,
    load_session,
    model_settings,
    open_store,
    print_json,
)
from .errors import InputError, InterviewerError, NotFoundError
from .framework import LEVELS, STEP_COUNT


def _setup_logging(args: argparse.Namespace) -> None:
    """Warnings go to a log file in the data directory, not the terminal."""
    try:
        folder = data_dir(args)
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "interviewer.log", encoding="utf-8")
    except (OSError, InterviewerError):  # an unusable data dir is reported by the command itself
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("interviewer")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    for noisy in ("LiteLLM", "litellm", "httpx", "openai"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _wrap(text: str, indent: str = "  ") -> str:
    import textwrap

    return "\n".join(
        textwrap.fill(line, 100, initial_indent=indent, subsequent_indent=indent) for line in text.splitlines()
    )


# --- content commands ---------------------------------------------------------


def cmd_problems(args: argparse.Namespace, out: TextIO) -> int:
    fw = content(args)
    if args.json:
        print_json(
            [
                {"id": p.id, "title": p.title, "summary": p.summary, "tags": p.tags, "source": p.source}
                for p in fw.problems
            ],
            out,
        )
        return EXIT_OK
    width = max(len(p.id) for p in fw.problems)
    for p in fw.problems:
        out.write(f"{p.id:<{width}}  {p.title} — {p.summary}\n")
    return EXIT_OK


def cmd_topics(args: argparse.Namespace, out: TextIO) -> int:
    fw = content(args)
    topics = fw.topics_for_step(args.step) if args.step else fw.topics
    if args.json:
        print_json([t.model_dump() for t in topics], out)
        return EXIT_OK
    themes = {t.id: t.title for t in fw.themes}
    for theme_id, title in themes.items():
        mine = [t for t in topics if t.theme == theme_id]
        if not mine:
            continue
        out.write(f"\n{title}\n")
        for t in mine:
            steps = ",".join(str(s) for s in t.steps)
            out.write(f"  [{t.id}] (steps {steps}) {t.question}\n")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    fw = content(args)
    try:
        p = fw.problem(args.problem_id)
    except NotFoundError:
        raise NotFoundError(f"Unknown problem id {args.problem_id!r}. See: python -m interviewer problems") from None
    if args.json:
        data = p.model_dump(mode="json")
        if not args.all:
            data.pop("hidden")
            data.pop("strong_answer")
        print_json(data, out)
        return EXIT_OK
    out.write(f"{p.title}  ({p.id}; tags: {', '.join(p.tags)})\n\n{_wrap(p.opening_prompt)}\n\nKey requirements:\n")
    out.writelines(f"  - {r}\n" for r in p.key_requirements)
    out.write("Discussion focus:\n")
    out.writelines(f"  - {r}\n" for r in p.discussion_focus)
    if args.all:
        from .planner import DETAIL_LABELS

        out.write("\nHidden details (revealed when the candidate asks):\n")
        for field, label in DETAIL_LABELS.items():
            out.write(f"  {label}: {getattr(p.hidden, field)}\n")
        out.write("\nWhat a strong answer covers:\n")
        for step in fw.steps:
            out.write(f"  Step {step.number} — {step.title}\n")
            out.writelines(f"    - {point}\n" for point in p.strong_answer[step.number])
    else:
        out.write("\n(Hidden details are revealed when you ask during the interview; --all shows them.)\n")
    return EXIT_OK


def cmd_rubric(args: argparse.Namespace, out: TextIO) -> int:
    fw = content(args)
    rubric = fw.rubrics[args.step]
    if args.json:
        print_json(rubric.model_dump(mode="json", by_alias=True), out)
        return EXIT_OK
    step = fw.step(args.step)
    out.write(
        f"Step {step.number} of {STEP_COUNT} — {step.title}  (rubric v{rubric.version})\n{_wrap(rubric.focus, '')}\n"
    )
    for c in rubric.criteria:
        out.write(f"\n{c.name}  (weight {c.weight:g})\n{_wrap(c.description)}\n")
        for n, text in c.scores.as_dict().items():
            out.write(f"    {n}: {text}\n")
        out.write(f"  mid: {c.levels.mid}\n  senior: {c.levels.senior}\n  staff: {c.levels.staff}\n")
    out.write("\nRed flags (cap the step score):\n")
    out.writelines(f"  - {f.description} (cap {f.cap})\n" for f in rubric.red_flags)
    return EXIT_OK


# --- interview commands -----------------------------------------------------------


def read_answers(stream: TextIO, interactive: bool, prompt_out: TextIO | None = None) -> Iterator[str]:
    """Candidate messages: one line each when typing, blank-line separated
    paragraphs when piped (so a script can send multi-line answers)."""
    if interactive:
        while True:
            if prompt_out is not None:
                prompt_out.write("\nYou: ")
                prompt_out.flush()
            line = stream.readline()
            if not line:
                return
            if line.strip():
                yield line.strip()
        return
    para: list[str] = []
    for line in stream:
        if line.strip():
            para.append(line.rstrip("\n"))
        elif para:
            yield "\n".join(para).strip()
            para = []
    if para:
        yield "\n".join(para).strip()


class PlainText:
    """Markdown emphasis (``**``) dropped from streamed text for the terminal,
    even when a chunk ends half-way through the marker."""

    def __init__(self) -> None:
        self.held = ""

    def feed(self, chunk: str) -> str:
        text = (self.held + chunk).replace("**", "")
        self.held = "*" if text.endswith("*") else ""
        return text[:-1] if self.held else text

    def flush(self) -> str:
        out, self.held = self.held, ""
        return out


def plain(text: str) -> str:
    return text.replace("**", "")


def _offer_grading(interviewer, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> None:  # type: ignore[no-untyped-def]
    """Asked at a terminal once the interview has ended: grade it now?"""
    from . import cli_grade
    from .grader import grade_session
    from .report import headline, step_line

    session = interviewer.session
    out.write("Grade it now? [Y/n] ")
    out.flush()
    answer = stdin.readline()
    if not answer or answer.strip().lower() not in ("", "y", "yes"):
        out.write(f"Grade it later with: python -m interviewer grade {session.id}\n")
        return
    choice = argparse.Namespace(offline=False, model=None, api_base=None)
    settings = cli_grade.grader_settings(choice, session)
    out.write(
        "Checking rubric coverage offline (rule-based; no model is called; no score or verdict)...\n"
        if settings is None
        else f"Grading with {settings.model}...\n"
    )
    try:
        report = grade_session(interviewer.fw, session, settings, samples=1)
    except InterviewerError as exc:
        err.write(f"error: grading failed: {exc}\nGrade it later with: python -m interviewer grade {session.id}\n")
        return
    if interviewer.store is not None:
        cli_grade.save_graded(interviewer.store, session.id, report, err)
    out.write("\n" + " · ".join(f"{label}: {value}" for label, value in headline(report)) + "\n")
    out.writelines(f"  Step {s.step}. {s.title}: {step_line(s)}\n" for s in report.steps)
    out.write(f"Full report: python -m interviewer export {session.id} --format html -o report.html\n")


def keep_unsent(rest: list[str], session_id: str, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    """Piped answers after a failed reply are not sent, and not dropped either:
    they go to a file that ``resume`` reads back from stdin."""
    if not rest:
        return
    body = "\n\n".join(rest) + "\n"
    try:
        folder = data_dir(args) / "unsent"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{session_id}.txt"
        path.write_text(body, encoding="utf-8")
    except (OSError, InterviewerError) as exc:
        err.write(
            f"{len(rest)} answer(s) after it were not sent and could not be saved "
            f"({getattr(exc, 'strerror', None) or exc}); here they are:\n"
        )
        out.write(body)
        return
    err.write(
        f"{len(rest)} answer(s) after it were not sent; they are kept in {path}.\n"
        f"Continue with them: python -m interviewer resume {session_id} < {path}\n"
    )


def _run(interviewer, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:  # type: ignore[no-untyped-def]
    from .agent import Reply
    from .errors import ConflictError, LLMError
    from .offline import OFFLINE_LABEL
    from .report import notice_plain

    session = interviewer.session
    resume_hint = f"python -m interviewer resume {session.id}"

    def reload(exc: Exception) -> None:
        """Another writer got there first: continue from what is stored now."""
        assert interviewer.store is not None  # only a stored session can conflict
        interviewer.session = interviewer.store.load(session.id)
        err.write(f"{exc}\n")
        last = interviewer.session.turns[-1] if interviewer.session.turns else None
        if last is not None:
            who = "Interviewer" if last.role == "interviewer" else "You (elsewhere)"
            out.write(f"{who}: {plain(last.text)}\n")
        if interviewer.session.awaiting_reply():
            out.write("(The other window owes the reply; /quit and resume later.)\n")
        else:
            out.write("(Your last message was not sent; type it again.)\n")

    def speak(reply: Reply, typed_now: bool) -> bool:
        # The label is written with the first words, so a reply that fails
        # before any text leaves no empty "Interviewer:" line behind.
        started = False
        text = PlainText()
        try:
            for chunk in reply:
                piece = text.feed(chunk)
                if piece and not started:
                    out.write("\nInterviewer: ")
                    started = True
                out.write(piece)
                out.flush()
        except ConflictError as exc:
            out.write("\n")
            reload(exc)
            return True
        except LLMError as exc:
            if started:
                out.write("\n")
            saved = "Your answer is saved. " if typed_now else "Nothing is lost. "
            err.write(f"error: {exc}\n{saved}Resume with: {resume_hint}\n")
            return False
        out.write(text.flush() + "\n")
        return True

    def show_notices() -> None:
        # Model switches since the last turn (made here by resume, or in the app), as the transcript has them.
        for n in session.notices:
            if n.before == len(session.turns):
                out.write(f"({notice_plain(n.text)})\n")

    interactive = stdin.isatty()
    answers = read_answers(stdin, interactive, out if interactive else None)

    def stopped() -> int:
        """A reply failed: keep the piped answers not yet sent, and say how to go on."""
        if not interactive:
            keep_unsent(list(answers), session.id, args, out, err)
        return EXIT_USAGE

    if session.offline:
        out.write(f"[{OFFLINE_LABEL}]\n")
    else:
        out.write(f"[Interviewer model: {interviewer.settings.where()}]\n")
    out.write("Commands: /hint, /next (move to the next step), /quit (pause; resume later), /end.\n")
    if not session.turns:
        show_notices()
        if not speak(interviewer.open(), typed_now=False):
            return stopped()
    elif session.awaiting_reply():
        last = session.turns[-1]
        out.write(f"\n(Resuming {session.id} at step {session.current_step}; the interviewer owes a reply to:)\n")
        out.write(f"You: {plain(last.text)}\n")
        show_notices()
        if not speak(interviewer.retry(), typed_now=False):
            return stopped()
    else:
        out.write(f"\n(Resuming {session.id} at step {session.current_step}.) Last from the interviewer:\n")
        last = next((t for t in reversed(session.turns) if t.role == "interviewer"), None)
        if last:
            out.write(f"Interviewer: {plain(last.text)}\n")
        show_notices()

    for message in answers:
        command = message.strip().lower()
        if not interactive:
            out.write(f"\nYou: {message}\n")
        try:
            if command == "/quit":
                out.write(f"\nPaused. Resume with: {resume_hint}\n")
                return EXIT_OK
            if command == "/end":
                break
            if command == "/hint":
                reply = interviewer.hint()
            elif command == "/next":
                reply = interviewer.next_step()
            else:
                reply = interviewer.answer(message)
        except ConflictError as exc:
            reload(exc)
            continue
        except InputError as exc:
            err.write(f"{exc}\n")
            continue
        if not speak(reply, typed_now=True):
            return stopped()
        if reply.plan.closing:
            break
    try:
        interviewer.end()
    except ConflictError:
        interviewer.session = interviewer.store.load(session.id)
        interviewer.end()
    out.write(f"\nInterview ended and saved. Session id: {session.id}\n")
    if interactive:
        _offer_grading(interviewer, args, out, err, stdin)
    else:
        out.write(f"Grade it with: python -m interviewer grade {session.id}\n")
    return EXIT_OK


def cmd_interview(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .agent import Interviewer
    from .framework import custom_problem
    from .session import Session

    fw = content(args)
    if args.custom:
        problem = custom_problem(args.custom)
    else:
        try:
            problem = fw.problem(args.problem)
        except NotFoundError:
            raise NotFoundError(f"Unknown problem id {args.problem!r}. See: python -m interviewer problems") from None
    settings = model_settings(args)
    store = open_store(args)
    session = Session(
        problem=problem,
        level=args.level,
        minutes=args.minutes,
        model=settings.model,
        grader_model=args.grader_model,
        api_base=settings.api_base,
    )
    return _run(Interviewer(fw, session, settings, store), args, out, err, stdin)


def cmd_resume(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .agent import Interviewer

    store = open_store(args)
    session = load_session(store, args.session_id)
    if session.ended:
        if store.latest_report(session.id) is not None:
            raise InputError(
                f"Session {session.id} has ended and is graded; see its report with: "
                f"python -m interviewer export {session.id}  (start a new interview to practise again)"
            )
        raise InputError(f"Session {session.id} has ended; grade it with: python -m interviewer grade {session.id}")
    settings = model_settings(args, session.model)
    if settings.model != session.model or settings.api_base != session.api_base:
        from .session import utcnow
        from .switching import apply_switch

        # Recorded in the transcript, as the app does (saved with the next turn).
        apply_switch(session, settings.model, settings.api_base, session.grader_model, utcnow())
    return _run(Interviewer(content(args), session, settings, store), args, out, err, stdin)


SESSIONS_PAGE = 100


def cmd_sessions(args: argparse.Namespace, out: TextIO) -> int:
    store = open_store(args)
    total = store.count_sessions()
    first = (args.page - 1) * SESSIONS_PAGE
    rows = store.list_sessions(limit=SESSIONS_PAGE, offset=first)
    if args.json:
        print_json([r.model_dump(mode="json") for r in rows], out)
        return EXIT_OK
    if not rows and total:
        out.write(f"No page {args.page}: {total} sessions make {-(-total // SESSIONS_PAGE)} pages.\n")
        return EXIT_OK
    if not rows:
        out.write("No sessions yet. Start one with: python -m interviewer interview --problem email-composer\n")
        return EXIT_OK
    out.write(
        f"{'id':<12}  {'date':<16}  {'level':<6}  {'step':<6}  {'turns':>5}  {'status':<11}  {'score':>5}  problem\n"
    )
    for r in rows:
        # The same words as the app's history table.
        status = (
            "in progress" if r.ended_at is None else ("graded" if r.graded or r.overall_score is not None else "ended")
        )
        score = f"{r.overall_score:.1f}" if r.overall_score is not None else "-"
        out.write(
            f"{r.id:<12}  {r.created_at:%Y-%m-%d %H:%M}  {r.level:<6}  {r.current_step}/{STEP_COUNT:<4}  "
            f"{r.turns:>5}  {status:<11}  {score:>5}  {r.title}\n"
        )
    if total > len(rows):
        more = f" Next: python -m interviewer sessions --page {args.page + 1}" if first + len(rows) < total else ""
        out.write(f"\nSessions {first + 1}-{first + len(rows)} of {total}, newest first.{more}\n")
    return EXIT_OK


# --- parser ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _page(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"page must be a whole number from 1, not {value!r}")
    return number


def _step(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"step must be a number 1-{STEP_COUNT}, got {value!r}") from None
    if not 1 <= n <= STEP_COUNT:
        raise argparse.ArgumentTypeError(f"step must be 1-{STEP_COUNT}, got {n}")
    return n


def _minutes(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"minutes must be a whole number, got {value!r}") from None
    if not 5 <= n <= 180:
        raise argparse.ArgumentTypeError(f"minutes must be between 5 and 180, got {n}")
    return n


def _prog() -> str:
    """The command as the user typed it: the console script, or ``python -m``
    (which leaves ``__main__.py`` in argv[0])."""
    return "interviewer" if Path(sys.argv[0]).name == "interviewer" else "python -m interviewer"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=_prog(),
        description="Mock GenAI system design interviews: practise the seven-step framework, get graded.",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="where sessions and reports are stored (env INTERVIEWER_DATA_DIR; default ~/.local/share/interviewer)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("problems", help="list the practice problems")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("topics", help="list the discussion-topic bank")
    p.add_argument("--step", type=_step, help="only topics that fit this step (1-7)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="show a problem as the candidate sees it")
    p.add_argument("problem_id")
    p.add_argument("--all", action="store_true", help="also show hidden details and what a strong answer covers")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("rubric", help="show the grading rubric of a step")
    p.add_argument("step", type=_step)
    p.add_argument("--json", action="store_true")

    model_help = "any litellm model string, e.g. gpt-4o-mini, ollama/llama3.1, openai/<name> with --api-base (env INTERVIEWER_MODEL)"
    p = sub.add_parser("interview", help="hold a mock interview in the terminal")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--problem", help="problem id (see: problems)")
    which.add_argument("--custom", metavar="TEXT", help="your own problem statement")
    p.add_argument("--level", choices=LEVELS, default="senior")
    p.add_argument("--minutes", type=_minutes, default=45)
    p.add_argument("--model", help=model_help)
    p.add_argument("--grader-model", help="model for grading (default: the interviewer's)")
    p.add_argument(
        "--api-base", type=api_base_arg, help="URL of an OpenAI-compatible or Ollama server (env INTERVIEWER_API_BASE)"
    )
    p.add_argument("--offline", action="store_true", help="no model: a scripted interviewer")

    sessions = sub.add_parser("sessions", help=f"list saved interviews, newest first, {SESSIONS_PAGE} a page")
    sessions.add_argument("--json", action="store_true")
    sessions.add_argument("--page", type=_page, default=1, help="which page of the list (default 1)")

    p = sub.add_parser("resume", help="continue a saved interview")
    p.add_argument("session_id")
    p.add_argument("--model", help=model_help)
    p.add_argument("--api-base", type=api_base_arg, help="URL of the model server (env INTERVIEWER_API_BASE)")
    p.add_argument("--offline", action="store_true")

    from . import cli_grade

    cli_grade.add_parsers(sub, model_help)
    return parser


def main(
    argv: list[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    stdin = stdin or sys.stdin
    args = build_parser().parse_args(argv)
    _setup_logging(args)
    handlers = {
        "problems": lambda: cmd_problems(args, out),
        "topics": lambda: cmd_topics(args, out),
        "show": lambda: cmd_show(args, out),
        "rubric": lambda: cmd_rubric(args, out),
        "sessions": lambda: cmd_sessions(args, out),
        "interview": lambda: cmd_interview(args, out, err, stdin),
        "resume": lambda: cmd_resume(args, out, err, stdin),
    }
    try:
        if args.command in handlers:
            return handlers[args.command]()
        return int(args.handler(args, out, err, stdin))
    except InterviewerError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("\nInterrupted. Your turns so far are saved; `python -m interviewer sessions` lists them.\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK

"""``calibrate``: grade the labelled calibration set and print how well the grader orders it.

Nothing heavy is imported at module level (``cli.build_parser`` imports this
module for every command); the grader loads inside the handler.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from .cli_common import EXIT_OK, api_base_arg, content, samples_arg
from .results import MAX_SAMPLES
from .settings import grader_model_for, is_offline_model, load_settings

# --check: the run finished but the grader missed what CI requires of the set.
EXIT_CHECK_FAILED = 1


def add_parser(sub: argparse._SubParsersAction, model_help: str) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "calibrate",
        help="grade the labelled calibration set and measure the grader",
        description=(
            "Grade the labelled transcripts shipped in interviewer/calibration/ and print how well the grader "
            "orders them: Spearman with the labels, pairwise order accuracy, whether every adversarial transcript "
            "is below every mid one, injection precision and recall, quote verification, tokens, cost and wall "
            "time. A full run with a model is about 8 calls per transcript; --quick grades 5 transcripts."
        ),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--model",
        help=f"grader model: {model_help}; default: INTERVIEWER_GRADER_MODEL, then INTERVIEWER_MODEL, else offline",
    )
    which.add_argument("--offline", action="store_true", help="run the offline coverage check (no model)")
    p.add_argument(
        "--api-base", type=api_base_arg, help="URL of an OpenAI-compatible or Ollama server (env INTERVIEWER_API_BASE)"
    )
    p.add_argument("--samples", type=samples_arg, default=1, help=f"grade each step k times (1-{MAX_SAMPLES})")
    p.add_argument("--quick", action="store_true", help="grade the 5-transcript subset only")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless strong > mid > weak per problem, every adversarial transcript is below every mid one, "
        "no honest transcript is flagged and every injection is caught",
    )
    p.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .calibrate import render_table, run_calibration

    fw = content(args)
    settings = None
    if not args.offline:
        config = load_settings()
        model = grader_model_for(config, explicit=args.model)
        if not is_offline_model(model):
            settings = config.model_settings(model, args.api_base)
    if settings is None:
        err.write("Calibrating the offline coverage check (no model is called).\n")
    else:
        where = f" at {settings.api_base}" if settings.api_base else ""
        err.write(f"Calibrating {settings.model}{where} ({args.samples} sample(s) per step)...\n")

    def progress(i: int, total: int, name: str) -> None:
        err.write(f"  [{i}/{total}] {name}\n")
        err.flush()

    result = run_calibration(fw, settings, samples=args.samples, quick=args.quick, on_progress=progress)
    out.write(result.model_dump_json(indent=2) + "\n" if args.json else render_table(result))
    if args.check and not result.passed:
        err.write("calibration check failed: see the table for what the grader missed\n")
        return EXIT_CHECK_FAILED
    return EXIT_OK

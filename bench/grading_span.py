"""Grading span with the seven step calls concurrent, against one call's time.

    python bench/grading_span.py                  # each call takes 1.0 s at the server
    python bench/grading_span.py --call-s 0.5

Grades the strong fixture transcript through the real grader against the
scripted server (tests/fakeserver.py), whose every reply takes ``--call-s``:
once with the default parallelism and once one call at a time. Prints a
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakeserver import FakeOpenAI, Reply  # noqa: E402
from scripted_grader import grader_json  # noqa: E402

from interviewer.framework import framework  # noqa: E402
from interviewer.grader import MAX_PARALLEL, grade_session  # noqa: E402
from interviewer.settings import ModelSettings  # noqa: E402
from interviewer.transcript import parse_transcript  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "email-composer-strong.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--call-s", type=float, default=1.0, help="server time per call")
    args = parser.parse_args()
    server = FakeOpenAI().start()

    def respond(body: dict[str, Any]) -> Reply:
        return Reply(text=grader_json(body) or "ok", delay=args.call_s)

    server.responder = respond
    fw = framework()
    session = parse_transcript(FIXTURE.read_text(encoding="utf-8"), fw)
    settings = ModelSettings(model="openai/scripted", api_base=server.base_url, max_retries=0, timeout=60)
    grade_session(fw, session, settings, max_parallel=MAX_PARALLEL)  # warm-up: imports, first connection
    print(
        f"{'grading run':<34} {'calls':>5} {'span s':>7} {'one call s':>10} {'span / call':>11} {'max in flight':>13}"
    )
    for name, parallel in ((f"concurrent (max_parallel={MAX_PARALLEL})", MAX_PARALLEL), ("one call at a time", 1)):
        before = len(server.chat_requests)
        server.max_in_flight = 0
        started = time.monotonic()
        report = grade_session(fw, session, settings, max_parallel=parallel)
        span = time.monotonic() - started
        calls = server.chat_requests[before:]
        one = statistics.median(c.finished - c.started for c in calls)
        print(f"{name:<34} {len(calls):>5} {span:>7.2f} {one:>10.2f} {span / one:>11.2f} {server.max_in_flight:>13}")
    server.stop()
    graded = sum(1 for s in report.steps if s.status == "graded")
    print(f"\n{graded} of 7 steps graded; the step calls run at once, then the summary call after them")


if __name__ == "__main__":
    main()

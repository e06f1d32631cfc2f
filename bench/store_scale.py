"""Store and page times with 10,000 stored sessions, 3,000 of them graded.

    python bench/store_scale.py                 # builds /tmp/interviewer-bench-store once, then reuses it
    python bench/store_scale.py --fresh         # rebuild the data set

Times the store's list/count calls, the start page and History page (the real
app.py through streamlit's AppTest, warm reruns), `python -m interviewer
sessions` as a subprocess, and the memory one History render allocates
(tracemalloc: peak during the render, and what is still held after it).
Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.framework import framework  # noqa: E402
from interviewer.grader import grade_session  # noqa: E402
from interviewer.session import Session, Turn, utcnow  # noqa: E402
from interviewer.store import Store  # noqa: E402
from interviewer.transcript import parse_transcript  # noqa: E402

SESSIONS = 10_000
GRADED = 3_000
TURNS = 20
FIXTURE = ROOT / "tests" / "fixtures" / "email-composer-strong.txt"
DEFAULT_DIR = Path("/tmp/interviewer-bench-store")


def build(data_dir: Path) -> None:
    """10,000 sessions of 20 turns each; 3,000 ended and graded with a full report."""
    fw = framework()
    graded = parse_transcript(FIXTURE.read_text(encoding="utf-8"), fw)
    base = grade_session(fw, graded, None)
    rng = random.Random(12)
    store = Store(data_dir)
    problems = list(fw.problems)
    start = utcnow() - timedelta(days=400)
    began = time.perf_counter()
    for i in range(SESSIONS):
        when = start + timedelta(minutes=50 * i)
        session = Session(problem=problems[i % len(problems)], created_at=when)
        session.turns = [
            Turn(
                role="interviewer" if n % 2 == 0 else "candidate",
                text=f"Turn {n}: we would shard by tenant and cache prefixes; p99 100 ms. " * 3,
                step=1 + n * 7 // TURNS,
                at=when + timedelta(minutes=n),
            )
            for n in range(TURNS)
        ]
        session.current_step = 7
        graded_now = i % (SESSIONS // GRADED) == 0 and i // (SESSIONS // GRADED) < GRADED
        if graded_now:
            session.ended_at = when + timedelta(minutes=45)
        store.save(session)
        if graded_now:
            steps = [
                s.model_copy(update={"status": "graded", "score": round(rng.uniform(1, 5), 1), "coverage": None})
                for s in base.steps
            ]
            overall = round(sum(s.score or 0 for s in steps) / len(steps), 1)
            report = base.model_copy(
                update={
                    "offline": False,
                    "steps": steps,
                    "overall_score": overall,
                    "coverage": None,
                    "session_id": session.id,
                    "created_at": session.ended_at,
                }
            )
            store.save_report(session.id, report.model_dump(mode="json"), overall)
        if (i + 1) % 2000 == 0:
            print(f"  built {i + 1} sessions ({time.perf_counter() - began:.0f} s)", file=sys.stderr)


def timed(fn: Callable[[], object], runs: int = 5) -> tuple[float, float]:
    """(median, max) wall seconds over ``runs`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def memory(fn: Callable[[], object]) -> tuple[float, float]:
    """(peak MB allocated during one call, MB still held after it), after a warm-up call."""
    fn()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    fn()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - before) / 1e6, (after - before) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set")
    args = parser.parse_args()
    if args.fresh and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    done = args.data_dir / "bench-complete"
    if not done.exists():
        shutil.rmtree(args.data_dir, ignore_errors=True)
        print(f"building {SESSIONS} sessions ({GRADED} graded) in {args.data_dir} ...", file=sys.stderr)
        build(args.data_dir)
        done.write_text("built by bench/store_scale.py\n", encoding="utf-8")
    os.environ["INTERVIEWER_DATA_DIR"] = str(args.data_dir)
    os.environ["INTERVIEWER_MODEL"] = "offline"
    store = Store(args.data_dir)
    print(f"data: {store.count_sessions()} sessions, {len(store.list_reports())} reports in {args.data_dir}\n")

    from streamlit.testing.v1 import AppTest

    def page(**query: str) -> Callable[[], object]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params.update(query)

        def run() -> object:
            at.run()
            if at.exception:
                raise SystemExit(f"app raised: {[e.value for e in at.exception]}")
            return at

        return run

    start_page, history_page = page(), page(view="history")
    cli = [sys.executable, "-m", "interviewer", "--data-dir", str(args.data_dir), "sessions"]

    def cli_sessions() -> object:
        return subprocess.run(cli, check=True, capture_output=True, cwd=ROOT)

    print(f"{'what':<44} {'median s':>9} {'max s':>7}")
    rows: list[tuple[str, Callable[[], object]]] = [
        ("store.list_sessions(limit=100)", lambda: store.list_sessions(limit=100)),
        ("store.count_sessions()", store.count_sessions),
        ("store.list_reports()", store.list_reports),
        ("start page (AppTest rerun)", start_page),
        ("History page (AppTest rerun)", history_page),
        ("`python -m interviewer sessions` (process)", cli_sessions),
    ]
    for name, fn in rows:
        med, worst = timed(fn)
        print(f"{name:<44} {med:>9.3f} {worst:>7.3f}")
    print(f"\n{'memory of one render (tracemalloc)':<44} {'peak MB':>9} {'held MB':>7}")
    for name, fn in (("start page", start_page), ("History page", history_page)):
        peak, held = memory(fn)
        print(f"{name:<44} {peak:>9.1f} {held:>7.1f}")


if __name__ == "__main__":
    main()

"""The interviewer's own time per turn, beside the model server's time.

    python bench/engine_overhead.py                 # 50 answers, 5 ms per token
    python bench/engine_overhead.py --token-ms 20 --answers 30

Runs the real Interviewer (prompt building, litellm streaming, the assessment
filter, the planner, and a save to a SQLite store every turn) against the
scripted OpenAI-compatible server in tests/fakeserver.py, which streams one
token-sized chunk every ``--token-ms``. Overhead = the turn's wall time minus
the server's own time for the request; before the first token = from the
call until the server received the request. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakeserver import FakeOpenAI, Reply  # noqa: E402

from interviewer.agent import Interviewer  # noqa: E402
from interviewer.framework import framework  # noqa: E402
from interviewer.session import Session, utcnow  # noqa: E402
from interviewer.settings import ModelSettings  # noqa: E402
from interviewer.store import Store  # noqa: E402

REPLY = (
    '<assessment>{"addressed": [], "vague": false, "details": [], "step_done": false}</assessment>\n'
    "Thanks, that is a clear start. How many suggestion requests per second do you expect at peak, "
    "and how does that number shape the serving budget you just described?"
)
ANSWER = "About 300M users, p99 under 100 ms, GDPR applies; we cache prefixes and batch on GPUs. " * 2


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--token-ms", type=float, default=5.0, help="server delay per streamed token")
    args = parser.parse_args()
    server = FakeOpenAI().start()
    # About 4 characters a token, one token a chunk.
    server.default = Reply(text=REPLY, chunk_size=4, chunk_delay=args.token_ms / 1000)
    fw = framework()
    t = [utcnow()]
    session = Session(problem=fw.problem("email-composer"), minutes=60, model="openai/scripted")
    settings = ModelSettings(model="openai/scripted", api_base=server.base_url, max_retries=0, timeout=60)
    with tempfile.TemporaryDirectory() as folder:
        it = Interviewer(fw, session, settings, store=Store(folder), now=lambda: t[0])
        it.open().consume()  # warm-up: litellm's import and first connection
        rows: list[tuple[float, float, float, float]] = []
        for n in range(args.answers):
            t[0] += timedelta(minutes=1)
            before = len(server.chat_requests)
            started = time.monotonic()
            reply = it.answer(ANSWER + f"(point {n})")
            first = None
            for _ in reply:
                first = first or time.monotonic()
            ended = time.monotonic()
            rec = server.chat_requests[before]
            rows.append(
                (ended - started, rec.finished - rec.started, rec.started - started, (first or ended) - started)
            )
    server.stop()
    total = [r[0] for r in rows]
    served = [r[1] for r in rows]
    overhead = [a - b for a, b in zip(total, served, strict=True)]
    to_request = [r[2] for r in rows]
    first_chunk = [r[3] for r in rows]
    server_first = args.token_ms / 1000
    print(f"{args.answers} turns, {args.token_ms:g} ms per token, reply {len(REPLY) // 4} tokens\n")
    print(f"{'ms per turn':<44} {'p50':>8} {'p95':>8}")
    for name, values in (
        ("turn, wall (answer() to last chunk)", total),
        ("server's own time for the request", served),
        ("engine overhead (wall - server)", overhead),
        ("call to request at the server", to_request),
        ("first text chunk to the caller", first_chunk),
    ):
        print(f"{name:<44} {pct(values, 0.5) * 1000:>8.1f} {pct(values, 0.95) * 1000:>8.1f}")
    print(f"{'server first token (by construction)':<44} {server_first * 1000:>8.1f}")
    share = statistics.median(o / w for o, w in zip(overhead, total, strict=True))
    print(f"\nmedian overhead share of the turn: {share:.3f}")
    print("(the first text chunk comes after the assessment line, which the filter holds back by design)")


if __name__ == "__main__":
    main()

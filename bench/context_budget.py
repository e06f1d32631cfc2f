"""Print the prompt size the interviewer sends as an interview grows.

    python bench/context_budget.py

Shows that the bounded context keeps the prompt flat while the transcript
grows linearly. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.agent import Interviewer
from interviewer.framework import framework
from interviewer.planner import plan_turn
from interviewer.session import Session, utcnow
from interviewer.tokens import count_message_tokens, count_tokens

ANSWER = (
    "I'd serve a distilled 1B decoder on GPUs with continuous batching and a KV cache, put a Redis cache "
    "in front for repeated prefixes, and fall back to no suggestion when the p99 budget of 100ms is at risk. "
)


def main() -> None:
    fw = framework()
    session = Session(problem=fw.problem("email-composer"), minutes=180)
    t = [utcnow()]

    def now():  # type: ignore[no-untyped-def]
        return t[0]

    it = Interviewer(fw, session, now=now)
    it.open().consume()
    print(f"{'turns':>5} {'transcript tok':>15} {'prompt tok':>11} {'build ms':>9}")
    for n in range(1, 61):
        t[0] += timedelta(seconds=30)
        it.answer(ANSWER * 2).consume()
        if n % 10 == 0:
            started = time.perf_counter()
            messages = it.build_messages(plan_turn(fw, session, "answer", now=t[0]))
            ms = (time.perf_counter() - started) * 1000
            transcript = sum(count_tokens(x.text) for x in session.turns)
            print(f"{len(session.turns):>5} {transcript:>15} {count_message_tokens(messages):>11} {ms:>9.1f}")


if __name__ == "__main__":
    main()

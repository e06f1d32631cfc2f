"""Fresh-prefill share per turn against a real llama.cpp server, over a 50-answer interview.

    python bench/prefill.py                      # both chat formats below
    python bench/prefill.py --chat-format chatml --answers 20

Starts llama-cpp-python's server (the .venv-llm and Gemma 3 270M GGUF that the
local-model tests use; override with INTERVIEWER_TEST_LLAMA_PYTHON and
INTERVIEWER_TEST_GGUF), holds a scripted interview through the real
Interviewer, and reads the server's log: each request prints "prompt eval
time = ... / N tokens", the tokens it had to evaluate afresh (the rest came
from its prefix cache). Fresh share = N / the request's prompt tokens.

Two chat formats: ``gemma`` (what the tests use; it drops every system
message, so only the conversation reaches the model) and ``chatml`` (keeps
the system prompt and the trailing notes, as most local chat templates do).
Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers import free_port, serving  # noqa: E402

from interviewer.agent import Interviewer  # noqa: E402
from interviewer.errors import LLMError  # noqa: E402
from interviewer.framework import framework  # noqa: E402
from interviewer.session import Session, utcnow  # noqa: E402
from interviewer.settings import ModelSettings  # noqa: E402

EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
HIT = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")
ALIAS = "gemma3-270m"
ANSWERS = [
    "About 300M users, p99 under 100 ms end to end, GDPR applies, and English first with six languages later.",
    "Short conditional generation: draft, subject and thread in, two to eight words out, plus a confidence gate.",
    "Sent mail with PII replaced by typed placeholders, deduplicated, DP-SGD, and a time-based split for eval.",
    "A distilled 300M decoder quantised to int8, the last 200 tokens as context, greedy decoding to a phrase end.",
    "Offline precision at a fixed trigger rate and canary extraction tests; online an A/B on acceptance rate.",
    "Regional GPU pools with dynamic batching and a KV prefix cache per draft; a hard timeout returns nothing.",
    "Shadow traffic, a 1% canary, dashboards on acceptance and p99, weekly retraining gated by memorisation tests.",
]


def default_path(env: str, name: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env])
    for base in (ROOT, Path("/work/main")):
        if (base / ".venv-llm" / name).exists():
            return base / ".venv-llm" / name
    return ROOT / ".venv-llm" / name


def run(python: Path, gguf: Path, chat_format: str, answers: int, max_tokens: int) -> list[float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.gettempdir()) / f"prefill-bench-{chat_format}-{port}.log"
    cmd = [
        str(python), "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", ALIAS,
        "--chat_format", chat_format, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "8192", "--n_threads", str(os.cpu_count() or 2),
    ]  # fmt: skip
    fw = framework()
    t = [utcnow()]
    session = Session(problem=fw.problem("email-composer"), minutes=60, model=f"openai/{ALIAS}")
    settings = ModelSettings(model=f"openai/{ALIAS}", api_base=base, max_tokens=max_tokens, timeout=600, max_retries=0)
    it = Interviewer(fw, session, settings, now=lambda: t[0])
    per_turn: list[tuple[float, int, bool]] = []  # (wall s, step, the model's reply was usable)
    with serving(cmd, f"{base}/models", log):
        for n in range(answers + 1):
            started = time.perf_counter()
            reply = it.open() if n == 0 else it.answer(ANSWERS[(session.current_step - 1) % 7] + f" (point {n})")
            try:
                reply.consume()
                ok = True
            except LLMError:
                ok = False  # a tiny model's empty reply: the prompt was still evaluated, and the turn is kept
            per_turn.append((time.perf_counter() - started, session.current_step, ok))
            t[0] += timedelta(minutes=60 / answers)
        time.sleep(1)  # the server prints its timing line just after the last chunk
    requests = parse_log(log.read_text(errors="replace"))
    if len(requests) != len(per_turn):
        print(f"warning: {len(requests)} timing lines for {len(per_turn)} requests (see {log})")
    print(f"\n## chat format {chat_format}: {answers} answers, max_tokens {max_tokens}")
    print(f"{'turn':>4} {'step':>4} {'prompt tok':>10} {'fresh tok':>9} {'share':>6} {'prefill ms':>10} {'turn s':>7}")
    shares: list[float] = []
    for n, ((wall, step, ok), (prompt, fresh, ms)) in enumerate(zip(per_turn, requests, strict=False)):
        share = min(fresh / prompt, 1.0) if prompt else 1.0
        shares.append(share)
        note = "" if ok else "  (empty reply)"
        print(f"{n:>4} {step:>4} {prompt:>10} {fresh:>9} {share:>6.2f} {ms:>10.0f} {wall:>7.1f}{note}")
    prompts = [p for p, _, _ in requests]
    prefill = [ms for _, _, ms in requests]
    later = shares[1:]  # turn 0 has nothing to reuse
    full = sum(1 for s in later if s > 0.5)
    print(
        f"\nmedian fresh share (turns 1-{len(later)}): {statistics.median(later):.3f}; mean {statistics.mean(later):.3f}; "
        f"turns above 0.5: {full}; prompt tokens median {statistics.median(prompts):.0f}, max {max(prompts)}; "
        f"prefill ms median {statistics.median(prefill):.0f}, total {sum(prefill) / 1000:.1f} s; "
        f"wall total {sum(w for w, _, _ in per_turn):.1f} s; empty replies {sum(not ok for *_, ok in per_turn)}"
    )
    return later


def parse_log(text: str) -> list[tuple[int, int, float]]:
    """(prompt tokens, tokens evaluated afresh, prefill ms) per request, in order.

    A request that reused its prefix logs "P prefix-match hit, remaining R"
    before its timing line; one with nothing to reuse logs only the timing
    line, and then all of its prompt was fresh."""
    out: list[tuple[int, int, float]] = []
    hit = 0
    for line in text.splitlines():
        if m := HIT.search(line):
            hit = int(m.group(1))
        elif m := EVAL.search(line):
            fresh = int(m.group(2))
            out.append((hit + fresh, fresh, float(m.group(1))))
            hit = 0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--llama-python", type=Path, default=default_path("INTERVIEWER_TEST_LLAMA_PYTHON", "bin/python")
    )
    parser.add_argument("--gguf", type=Path, default=default_path("INTERVIEWER_TEST_GGUF", "gemma3-270m.gguf"))
    parser.add_argument("--chat-format", action="append", choices=("gemma", "chatml"))
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=40)
    args = parser.parse_args()
    if not (args.llama_python.exists() and args.gguf.exists()):
        raise SystemExit(f"needs {args.llama_python} and {args.gguf} (.ci/run installs them)")
    for chat_format in args.chat_format or ["gemma", "chatml"]:
        run(args.llama_python, args.gguf, chat_format, args.answers, args.max_tokens)


if __name__ == "__main__":
    main()

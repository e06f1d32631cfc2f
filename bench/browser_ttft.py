"""Time to the first interviewer text in the browser, beside the server's first token.

    python bench/browser_ttft.py                          # 20 answers a shape, 300 ms to first chunk, 20 ms a chunk
    python bench/browser_ttft.py --reps 30 --first-ms 1000 --token-ms 50

Runs `streamlit run app.py` against the scripted OpenAI-compatible server in
tests/fakeserver.py (in this process), which waits ``--first-ms`` and then
streams one 4-character chunk every ``--token-ms``, stamping each chunk as it
is flushed. Headless chromium (Playwright) holds an interview (a new one every
40 answers) and sends answers with Enter. In the page, a capture-phase keydown listener stamps the
submit and a MutationObserver stamps the moment the reply's first words are
in the chat (and the next animation frame, when they are painted), with
performance.now().

Two reply shapes: the text alone, and the hidden assessment line first (as
the prompt asks a real model to write it; the app holds it back, so the first
visible words leave the server later). Both clocks are put on the wall clock
(performance.timeOrigin + now() in the page, time.time() beside
time.monotonic() here; one machine), which splits the browser's wait into
submit → request at the server, the server's own time to those words, and
server → words in the page. Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _browser import ROOT, TIMEOUT_MS, chromium, idle, new_page, start_interview, streamlit
from fakeserver import FakeOpenAI, Reply

ASSESSMENT = '<assessment>{"addressed": [], "vague": false, "details": [], "step_done": false}</assessment>\n'
BODY = (
    "thanks, that is a clear start. How many suggestion requests per second do you expect at peak, "
    "and how does that number shape the serving budget you just described?"
)
ANSWER = "About 300M users, p99 under 100 ms, GDPR applies; we cache prefixes and batch on GPUs."
CHUNK = 4  # characters a chunk: about one token
PER_INTERVIEW = 40  # answers before a new interview (the planner ends one after about 55)

# Installed once per page: stamps the Enter on the chat box and, per answer,
# the first mutation after which the newest chat message holds the needle.
PROBE = """([needle, tail]) => {
  const box = '[data-testid=stChatInputTextArea]';
  const msgs = () => document.querySelectorAll('[data-testid=stChatMessage]');
  if (!window.__probeKeys) {
    window.__probeKeys = true;
    window.addEventListener('keydown', (e) => {
      const s = window.__ttft;
      if (s && s.submit === null && e.key === 'Enter' && e.target.matches && e.target.matches(box)) {
        s.submit = performance.now();
      }
    }, true);
  }
  const s = {base: msgs().length, submit: null, first: null, painted: null, done: null, origin: performance.timeOrigin};
  window.__ttft = s;
  const check = () => {
    if (s.submit === null) return;
    const all = msgs();
    if (all.length < s.base + 2) return;
    const text = all[all.length - 1].textContent;
    const t = performance.now();
    if (s.first === null && text.includes(needle)) {
      s.first = t;
      requestAnimationFrame(() => { s.painted = performance.now(); });
    }
    if (s.done === null && text.includes(tail)) { s.done = t; observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
DONE = "() => window.__ttft && window.__ttft.done !== null && window.__ttft.painted !== null"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def one_answer(page: Any, server: FakeOpenAI, n: int, shape: str, args: argparse.Namespace) -> dict[str, float]:
    """Send one answer; return the stamps of this turn in ms (wall clock, epoch)."""
    needle, tail = f"Reply {n}: thanks", f"(end {n})"
    prefix = ASSESSMENT if shape == "assessment" else ""
    text = f"{prefix}Reply {n}: {BODY} {tail}"
    server.default = Reply(text=text, chunk_size=CHUNK, delay=args.first_ms / 1000, chunk_delay=args.token_ms / 1000)
    marker = f"(answer {n})"
    idle(page)
    page.evaluate(PROBE, [needle, tail])
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(f"{ANSWER} {marker}")
    box.press("Enter")
    try:
        page.wait_for_function(DONE, timeout=TIMEOUT_MS)
    except Exception as exc:
        shot = Path(tempfile.gettempdir()) / "browser_ttft-stuck.png"
        page.screenshot(path=str(shot), full_page=True)
        stamps = page.evaluate("() => window.__ttft")
        last = page.get_by_test_id("stChatMessage").last.text_content()
        raise SystemExit(
            f"answer {n} ({shape}): no reply in the page: {stamps}; last message {last!r}; {shot}"
        ) from exc
    got = page.evaluate("() => window.__ttft")
    idle(page)
    rec = next(r for r in reversed(server.chat_requests) if marker in r.prompt_text)
    # The chunk that completes the needle: from then on the page could show it.
    needle_chunk = (len(prefix) + len(needle) - 1) // CHUNK
    to_epoch = time.time() - time.monotonic()
    origin = got["origin"]
    return {
        "submit": origin + got["submit"],
        "first": origin + got["first"],
        "painted": origin + got["painted"],
        "done": origin + got["done"],
        "arrived": (rec.started + to_epoch) * 1000,
        "server_first_chunk": (rec.chunk_times[0] + to_epoch) * 1000,
        "server_needle": (rec.chunk_times[needle_chunk] + to_epoch) * 1000,
        "server_last": (rec.chunk_times[-1] + to_epoch) * 1000,
    }


def table(rows: list[dict[str, float]]) -> None:
    def span(a: str, b: str) -> list[float]:
        return [r[b] - r[a] for r in rows]

    lines = [
        ("browser: Enter -> first words in the DOM", span("submit", "first")),
        ("browser: Enter -> first words painted", span("submit", "painted")),
        ("server: request -> first chunk", span("arrived", "server_first_chunk")),
        ("server: request -> first words sent", span("arrived", "server_needle")),
        ("  Enter -> request at the server", span("submit", "arrived")),
        ("  first words sent -> in the DOM", span("server_needle", "first")),
        ("app overhead (browser - server, first words)", [
            (r["first"] - r["submit"]) - (r["server_needle"] - r["arrived"]) for r in rows
        ]),
        ("browser: Enter -> whole reply in the DOM", span("submit", "done")),
        ("server: request -> last chunk", span("arrived", "server_last")),
    ]  # fmt: skip
    print(f"{'ms':<48} {'p50':>8} {'p95':>8}")
    for name, values in lines:
        print(f"{name:<48} {pct(values, 0.5):>8.1f} {pct(values, 0.95):>8.1f}")
    # Each answer reruns the page with one more exchange on it: does the wait grow?
    early = [r["arrived"] - r["submit"] for r in rows if r["position"] <= 10]
    late = [r["arrived"] - r["submit"] for r in rows if r["position"] > PER_INTERVIEW - 10]
    if early and late:
        print(
            f"Enter -> request, median at answers 2-10 of an interview: {pct(early, 0.5):.1f} ms, "
            f"at answers {PER_INTERVIEW - 9}-{PER_INTERVIEW}: {pct(late, 0.5):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="answers timed per reply shape")
    parser.add_argument("--first-ms", type=float, default=300.0, help="server wait before the first chunk")
    parser.add_argument("--token-ms", type=float, default=20.0, help="server delay per streamed chunk")
    args = parser.parse_args()
    server = FakeOpenAI().start()
    server.default = Reply(text="Welcome. What does the system produce, and for whom?")
    results: dict[str, list[dict[str, float]]] = {"text": [], "assessment": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            "INTERVIEWER_MODEL": "openai/scripted",
            "INTERVIEWER_API_BASE": server.base_url,
            "INTERVIEWER_DATA_DIR": str(folder / "data"),
            "INTERVIEWER_RETRIES": "0",
            "INTERVIEWER_TIMEOUT": "30",
        }
        with streamlit(ROOT / "app.py", folder, env) as (url, _proc), chromium() as browser:
            page = new_page(browser)
            start_interview(page, url)
            one_answer(page, server, 0, "text", args)  # warm-up, not counted
            position = 1
            for i in range(args.reps * 2):
                if position == PER_INTERVIEW:
                    # The planner ends an interview after about 55 answers: start another.
                    start_interview(page, url)
                    one_answer(page, server, 1000 + i, "text", args)
                    position = 1
                shape = "text" if i % 2 == 0 else "assessment"
                row = one_answer(page, server, i + 1, shape, args)
                position += 1
                results[shape].append({**row, "position": position})
    server.stop()
    reply_chunks = -(-len(f"Reply 0: {BODY} (end 0)") // CHUNK)
    print(
        f"{args.reps} answers per reply shape, interleaved, {PER_INTERVIEW} answers an interview; server waits {args.first_ms:g} ms, "
        f"then {args.token_ms:g} ms per {CHUNK}-character chunk ({reply_chunks} chunks of text)\n"
    )
    for shape, title in (("text", "reply text alone"), ("assessment", "assessment line first (held back by the app)")):
        print(f"-- {title}")
        table(results[shape])
        print()


if __name__ == "__main__":
    main()

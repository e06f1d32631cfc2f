"""Memory of `streamlit run app.py` holding 20 browser sessions, beside a bare Streamlit page.

    python bench/streamlit_memory.py                  # 20 sessions, the fake model server
    python bench/streamlit_memory.py --sessions 10 --offline

For each of the two scripts (the app; a two-line page that calls st.write)
this starts `streamlit run` headless on 127.0.0.1 with a temporary data dir
and opens the sessions as pages (one Playwright context each) in one headless
chromium. App sessions start an interview and send one answer; the model is
the scripted OpenAI-compatible server in tests/fakeserver.py streaming at
``--token-ms`` a chunk (or the offline interviewer with ``--offline``). All
pages are driven at once (every page gets its click or answer before any is
waited for), then all stay open while memory is read.

Memory is the resident set of the streamlit process and any children, from
/proc (VmRSS, and VmHWM for the process's own peak; psutil is not needed),
and the tree's PSS sampled every 50 ms for the peak across the whole run
(PSS, not RSS, so a child forked to exec does not count its parent's pages
twice). Per-session
increment = (RSS with N sessions - RSS with 1 session) / (N - 1), so the
one-off imports of the first run are not spread over the sessions. Prints a
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _browser import ROOT, TIMEOUT_MS, chromium, idle, new_page, streamlit
from fakeserver import FakeOpenAI, Reply

BARE = 'import streamlit as st\n\nst.write("Hello from a bare page")\n'
REPLY = (
    '<assessment>{"addressed": [], "vague": false, "details": [], "step_done": false}</assessment>\n'
    "Thanks, that is a clear start. How many suggestion requests per second do you expect at peak?"
)
ANSWER = "It suggests the next few words of an email while the user types; p99 under 100 ms."


def status_kb(pid: int, field: str, name: str = "status") -> int:
    """A "Field: N kB" line of /proc/PID/status (or smaps_rollup); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """All descendants of pid (from /proc/PID/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                found = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out.extend(found)
            todo.extend(found)
    return out


def rss_mb(pid: int) -> float:
    """VmRSS of the process and its children (none, in every run so far)."""
    return sum(status_kb(p, "VmRSS") for p in [pid, *children(pid)]) / 1024


class Sampler:
    """Every 50 ms: the largest PSS of the process tree (shared pages counted
    once, so a fork about to exec does not count twice), and any children seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_pss = pid, 0.0
        self.children: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            kids = children(self.pid)
            for kid in kids:
                try:
                    self.children.setdefault(
                        kid,
                        Path(f"/proc/{kid}/cmdline").read_bytes().replace(b"\0", b" ")[:80].decode(errors="replace"),
                    )
                except OSError:
                    continue
            pss = sum(status_kb(p, "Pss", "smaps_rollup") for p in [self.pid, *kids]) / 1024
            self.peak_pss = max(self.peak_pss, pss)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def open_all(pages: list[Any], act: Callable[[Any], None], ready: Callable[[Any], None]) -> None:
    """Do ``act`` on every page, then wait for ``ready`` on every page: the server serves them at once."""
    for page in pages:
        act(page)
    for page in pages:
        ready(page)


def app_pages(browser: Any, url: str, n: int) -> list[Any]:
    pages = [new_page(browser) for _ in range(n)]
    open_all(pages, lambda p: p.goto(url), lambda p: p.get_by_role("button", name="Start interview").wait_for())
    open_all(
        pages,
        lambda p: p.get_by_role("button", name="Start interview").click(),
        lambda p: (p.get_by_test_id("stChatInputTextArea").wait_for(), idle(p)),
    )

    def answer(p: Any) -> None:
        box = p.get_by_test_id("stChatInputTextArea")
        box.fill(ANSWER)
        box.press("Enter")

    open_all(
        pages,
        answer,
        lambda p: (p.get_by_test_id("stChatMessage").nth(2).wait_for(timeout=TIMEOUT_MS), idle(p)),
    )
    return pages


def bare_pages(browser: Any, url: str, n: int) -> list[Any]:
    pages = [new_page(browser) for _ in range(n)]
    open_all(pages, lambda p: p.goto(url), lambda p: (p.get_by_text("Hello from a bare page").wait_for(), idle(p)))
    return pages


def measure(
    name: str, script: Path, env: dict[str, str], folder: Path, n: int, opener: Callable[[Any, str, int], list[Any]]
) -> dict[str, float | str]:
    with streamlit(script, folder, env) as (url, proc), chromium() as browser, Sampler(proc.pid) as sampler:
        idle_mb = rss_mb(proc.pid)
        first = opener(browser, url, 1)
        one_mb = rss_mb(proc.pid)
        rest = opener(browser, url, n - 1)
        all_mb = rss_mb(proc.pid)
        hwm_mb = status_kb(proc.pid, "VmHWM") / 1024
        held = len(first) + len(rest)
        for page in first + rest:
            page.context.close()
    return {
        "name": name,
        "sessions": held,
        "idle": idle_mb,
        "one": one_mb,
        "all": all_mb,
        "pss": sampler.peak_pss,
        "hwm": hwm_mb,
        "children": "; ".join(sampler.children.values()) or "none",
        "per": (all_mb - one_mb) / max(held - 1, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--token-ms", type=float, default=5.0, help="fake server delay per streamed chunk")
    parser.add_argument("--offline", action="store_true", help="the offline interviewer instead of the fake server")
    args = parser.parse_args()
    server = FakeOpenAI().start()
    server.default = Reply(text=REPLY, chunk_size=4, chunk_delay=args.token_ms / 1000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = folder / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        app_env = {"INTERVIEWER_DATA_DIR": str(folder / "data"), "INTERVIEWER_RETRIES": "0"}
        if args.offline:
            app_env["INTERVIEWER_MODEL"] = "offline"
        else:
            app_env.update(INTERVIEWER_MODEL="openai/scripted", INTERVIEWER_API_BASE=server.base_url)
        rows.append(measure("bare page (st.write)", bare, {}, folder, args.sessions, bare_pages))
        model = "offline" if args.offline else f"fake server, {args.token_ms:g} ms a chunk"
        rows.append(measure(f"app.py ({model})", ROOT / "app.py", app_env, folder, args.sessions, app_pages))
    server.stop()
    print(f"\n{args.sessions} browser sessions held at once; RSS of the streamlit process tree, MB\n")
    head = f"{'script':<36} {'idle':>7} {'1 sess':>7} {f'{args.sessions} sess':>8} {'VmHWM':>7} {'peak PSS':>9} {'per sess':>9}"
    print(head)
    for r in rows:
        print(
            f"{r['name']:<36} {r['idle']:>7.1f} {r['one']:>7.1f} {r['all']:>8.1f} "
            f"{r['hwm']:>7.1f} {r['pss']:>9.1f} {r['per']:>9.2f}"
        )
    for r in rows:
        print(f"child processes seen under {r['name']}: {r['children']}")
    app, bare_row = rows[1], rows[0]
    print(
        f"\napp minus bare page: {float(app['all']) - float(bare_row['all']):.1f} MB with "
        f"{args.sessions} sessions, {float(app['per']) - float(bare_row['per']):.2f} MB more per session"
    )
    print(
        "(idle = server up, no session yet; VmHWM = the process's own peak RSS, from the kernel; "
        "peak PSS = largest sample of the tree, every 50 ms)"
    )


if __name__ == "__main__":
    main()

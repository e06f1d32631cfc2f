"""Start a server subprocess on a free loopback port and wait until it serves."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package
# Headless and quiet: no background fetches (updates, first-run pages), so every
# request the browser makes is one the page asked for.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def streamlit_cmd(script: str | Path, port: int, *extra: str) -> list[str]:
    """`streamlit run script` headless on 127.0.0.1:port, no telemetry, no file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        *extra,
    ]  # fmt: skip


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port that is free now and was not handed out before in this
    process. The port is released at once, so without the record two servers
    started one after the other (the app, then its OIDC provider) can be given
    the same port and the second fails to bind."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-3000:] if log and log.exists() else ""


def wait_until_serving(
    url: str, proc: subprocess.Popen[bytes] | None, deadline_s: float, log: Path | None = None
) -> None:
    deadline = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before serving {url}\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)  # polling interval, bounded by the deadline above
    raise RuntimeError(f"{url} not ready after {deadline_s:.0f} s ({last})\n{_tail(log)}")


@contextlib.contextmanager
def serving(
    cmd: list[str],
    health_url: str,
    log: Path,
    *,
    deadline_s: float = 120,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` with output to ``log``; yield once ``health_url`` answers 200; stop it after."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(health_url, proc, deadline_s, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)

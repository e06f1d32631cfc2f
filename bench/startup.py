"""Start-up: `python -m interviewer --help` beside `import litellm` and a bare interpreter.

    python bench/startup.py

Each command runs as a fresh process 7 times; prints the median and the
fastest wall time. The CLI imports litellm only when it calls a model, so
--help (and offline use) should cost a fraction of litellm's import.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("python -m interviewer --help", [sys.executable, "-m", "interviewer", "--help"]),
    ("python -m interviewer problems", [sys.executable, "-m", "interviewer", "problems"]),
    ("python -c 'import litellm'", [sys.executable, "-c", "import litellm"]),
)


def main() -> None:
    print(f"{'command':<34} {'median s':>9} {'min s':>7}")
    for name, cmd in COMMANDS:
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)  # warm the file cache
        times = []
        for _ in range(7):
            started = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        print(f"{name:<34} {statistics.median(times):>9.3f} {min(times):>7.3f}")


if __name__ == "__main__":
    main()

"""Regenerate docs/sample-report.{md,html,png} from the strong fixture transcript.

    python bench/sample_report.py            # md + html, and the png if Chromium is installed

Uses the offline coverage check, so the output is deterministic (the date and session
id are pinned) and needs no model or network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from interviewer.framework import framework  # noqa: E402
from interviewer.grader import grade_session  # noqa: E402
from interviewer.report import render_markdown  # noqa: E402
from interviewer.report_html import render_html  # noqa: E402
from interviewer.transcript import parse_transcript  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "email-composer-strong.txt"
DOCS = ROOT / "docs"


def main() -> None:
    fw = framework()
    session = parse_transcript(FIXTURE.read_text(encoding="utf-8"), fw)
    report = grade_session(fw, session, None)
    report = report.model_copy(update={"created_at": datetime(2025, 1, 1, 12, 0, tzinfo=UTC), "session_id": None})
    DOCS.mkdir(exist_ok=True)
    (DOCS / "sample-report.md").write_text(render_markdown(report), encoding="utf-8")
    html = DOCS / "sample-report.html"
    html.write_text(render_html(report), encoding="utf-8")
    print(f"wrote {DOCS / 'sample-report.md'} and {html} (rubric coverage {report.coverage:.0%})")
    chromium = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if chromium is None:
        print("chromium not found: docs/sample-report.png not updated")
        return
    subprocess.run(
        [
            chromium,
            *CHROMIUM_ARGS,
            "--hide-scrollbars",
            f"--screenshot={DOCS / 'sample-report.png'}",
            "--window-size=1200,1600",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    print(f"wrote {DOCS / 'sample-report.png'}")


if __name__ == "__main__":
    main()

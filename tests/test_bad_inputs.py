"""Bad inputs, table-driven: each is refused with a clear message, exit code 2
from the CLI, no traceback, and nothing stored changes.

The table is also docs/reliability.md's bad-input table:
``UPDATE_DOCS=1 python -m pytest tests/test_bad_inputs.py`` rewrites it, and
``test_the_reliability_doc_lists_every_bad_input`` fails when they differ.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from apptest import new_app, ok
from fakeserver import FakeOpenAI, Reply
from helpers import new_session, turn

from interviewer import cli
from interviewer.framework import Framework
from interviewer.store import Store
from interviewer.transcript import MAX_TRANSCRIPT_CHARS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- bad-inputs:start -->", "<!-- bad-inputs:end -->"
KEY = "sk-CANARY-1234567890"

Kind = Literal["setting", "flag", "file", "reply", "url"]


@dataclass(frozen=True)
class Bad:
    kind: Kind
    given: str  # what was tried, as the doc shows it
    says: str  # the message shown (a part of it the test looks for)
    argv: tuple[str, ...] = ("sessions",)
    env: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None  # written to {file} in argv
    reply: Reply | None = None  # the second model reply (the first answers the opening)
    query: dict[str, str] = field(default_factory=dict)  # URL parameters of the app
    never: str = ""  # must not appear anywhere (output, files)


def _session_json(**changes: object) -> bytes:
    data = {
        "problem": {"id": "x"},
        "turns": [],
    }
    data.update(changes)
    return json.dumps(data).encode()


INTERVIEW = ("interview", "--problem", "email-composer")
MODEL = ("--model", "openai/scripted", "--api-base", "{server}")
BIG = "Candidate: " + "x" * (MAX_TRANSCRIPT_CHARS + 10)

BAD_INPUTS: list[Bad] = [
    # --- settings (environment or secrets.toml) --------------------------------
    Bad("setting", "INTERVIEWER_RETRIES=nan", "INTERVIEWER_RETRIES must be a whole number", env={"INTERVIEWER_RETRIES": "nan"}),
    Bad("setting", "INTERVIEWER_RETRIES=inf", "INTERVIEWER_RETRIES must be a whole number", env={"INTERVIEWER_RETRIES": "inf"}),
    Bad("setting", "INTERVIEWER_RETRIES=-1", "from 0 to 10", env={"INTERVIEWER_RETRIES": "-1"}),
    Bad("setting", "INTERVIEWER_RETRIES=2.5", "whole number", env={"INTERVIEWER_RETRIES": "2.5"}),
    Bad("setting", "INTERVIEWER_RETRIES=11", "from 0 to 10", env={"INTERVIEWER_RETRIES": "11"}),
    Bad("setting", "INTERVIEWER_RETRIES=lots", "INTERVIEWER_RETRIES must be a number", env={"INTERVIEWER_RETRIES": "lots"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=inf", "INTERVIEWER_TIMEOUT must be a number of seconds above 0", env={"INTERVIEWER_TIMEOUT": "inf"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=nan", "above 0 and at most 3600", env={"INTERVIEWER_TIMEOUT": "nan"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=0", "above 0", env={"INTERVIEWER_TIMEOUT": "0"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=-5", "above 0", env={"INTERVIEWER_TIMEOUT": "-5"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=1e9", "at most 3600", env={"INTERVIEWER_TIMEOUT": "1e9"}),
    Bad("setting", "INTERVIEWER_TIMEOUT=soon", "INTERVIEWER_TIMEOUT must be a number", env={"INTERVIEWER_TIMEOUT": "soon"}),
    Bad("setting", "INTERVIEWER_API_BASE=not-a-url", "INTERVIEWER_API_BASE must be an http:// or https:// URL", env={"INTERVIEWER_API_BASE": "not-a-url"}),
    Bad("setting", "INTERVIEWER_API_BASE=ftp://host/v1", "http:// or https://", env={"INTERVIEWER_API_BASE": "ftp://host/v1"}),
    Bad("setting", "INTERVIEWER_API_BASE=http://", "with a host", env={"INTERVIEWER_API_BASE": "http://"}),
    Bad("setting", "INTERVIEWER_API_BASE='http://ho st/v1'", "with a host", env={"INTERVIEWER_API_BASE": "http://ho st/v1"}),
    Bad("setting", "INTERVIEWER_DATA_DIR=''", "INTERVIEWER_DATA_DIR is empty", env={"INTERVIEWER_DATA_DIR": ""}),
    Bad("setting", "INTERVIEWER_DATA_DIR='   '", "INTERVIEWER_DATA_DIR is empty", env={"INTERVIEWER_DATA_DIR": "   "}),
    Bad("setting", "INTERVIEWER_DATABASE_URL=mysql://u:hunter2@db/x", "INTERVIEWER_DATABASE_URL must be a postgresql+psycopg://", env={"INTERVIEWER_DATABASE_URL": "mysql://u:hunter2@db/x"}, never="hunter2"),
    Bad("setting", "INTERVIEWER_ADMINS=ann", "INTERVIEWER_ADMINS must list e-mail addresses", env={"INTERVIEWER_ADMINS": "ann"}),
    Bad("setting", "INTERVIEWER_REQUIRE_LOGIN=maybe", "INTERVIEWER_REQUIRE_LOGIN must be true or false", env={"INTERVIEWER_REQUIRE_LOGIN": "maybe"}),
    Bad("setting", "INTERVIEWER_ALLOW_CUSTOM_MODELS=perhaps", "INTERVIEWER_ALLOW_CUSTOM_MODELS must be true or false", env={"INTERVIEWER_ALLOW_CUSTOM_MODELS": "perhaps"}),
    # --- command-line flags ---------------------------------------------------------
    Bad("flag", "interview --api-base not-a-url", "argument --api-base: must be an http:// or https:// URL", argv=(*INTERVIEW, "--model", "openai/x", "--api-base", "not-a-url")),
    Bad("flag", "grade ID --api-base ftp://x", "argument --api-base: must be an http:// or https:// URL", argv=("grade", "abc", "--api-base", "ftp://x")),
    Bad("flag", "resume ID --api-base http://", "argument --api-base", argv=("resume", "abc", "--api-base", "http://")),
    Bad("flag", "--data-dir ''", "--data-dir is empty", argv=("--data-dir", "", "sessions")),
    Bad("flag", "interview --minutes 3", "minutes must be between 5 and 180", argv=(*INTERVIEW, "--minutes", "3")),
    Bad("flag", "interview --minutes ten", "minutes must be a whole number", argv=(*INTERVIEW, "--minutes", "ten")),
    Bad("flag", "interview --level junior", "invalid choice: 'junior'", argv=(*INTERVIEW, "--level", "junior")),
    Bad("flag", "interview --problem no-such-problem", "Unknown problem id 'no-such-problem'", argv=("interview", "--problem", "no-such-problem")),
    Bad("flag", "topics --step 9", "step must be 1-7", argv=("topics", "--step", "9")),
    Bad("flag", "rubric zero", "step must be a number 1-7", argv=("rubric", "zero")),
    Bad("flag", "grade FILE --samples 9", "samples must be between 1 and 5", argv=("grade", "x.txt", "--samples", "9")),
    Bad("flag", "show no-such-problem", "Unknown problem id", argv=("show", "no-such-problem")),
    Bad("flag", "resume does-not-exist", "No session 'does-not-exist'", argv=("resume", "does-not-exist")),
    Bad("flag", "export does-not-exist", "No report file or stored session 'does-not-exist'", argv=("export", "does-not-exist")),
    Bad("flag", "grade does-not-exist", "No file or stored session 'does-not-exist'", argv=("grade", "does-not-exist")),
    Bad("flag", "grade FILE --format pdf (no -o)", "PDF is binary", argv=("grade", "{file}", "--format", "pdf"), file=b"Problem: email-composer\nCandidate: hi\n"),
    # --- imported files ---------------------------------------------------------------
    Bad("file", "grade an empty file", "the file is empty", argv=("grade", "{file}"), file=b""),
    Bad("file", "grade a UTF-16 file", "not UTF-8", argv=("grade", "{file}"), file=b"\xff\xfe\x00P\x00r\x00o"),
    Bad("file", "grade a binary file (NUL bytes)", "binary file", argv=("grade", "{file}"), file=b"Problem: x\n\x00\x01\x02"),
    Bad("file", "grade prose that is not a transcript", "not a transcript", argv=("grade", "{file}"), file=b"Dear team, notes attached.\n"),
    Bad("file", "grade a transcript with no candidate turns", "no candidate turns", argv=("grade", "{file}"), file=b"Problem: email-composer\nInterviewer: Hello?\n"),
    Bad("file", "grade a transcript with a bad Level line", "level must be one of", argv=("grade", "{file}"), file=b"Problem: email-composer\nLevel: intern\nCandidate: hi\n"),
    Bad("file", f"grade a transcript over {MAX_TRANSCRIPT_CHARS:,} characters", "too long (2,000,0", argv=("grade", "{file}"), file=("Problem: x\n" + BIG).encode()),
    Bad("file", f"grade a session JSON over {MAX_TRANSCRIPT_CHARS:,} characters", "too long (2,000,0", argv=("grade", "{file}"), file=_session_json(pad="x" * (MAX_TRANSCRIPT_CHARS + 10))),
    Bad("file", "grade broken JSON", "invalid JSON at line 1", argv=("grade", "{file}"), file=b'{"problem": '),
    Bad("file", "grade JSON that is not a session", "not a session export", argv=("grade", "{file}"), file=b'{"hello": "world"}'),
    Bad("file", "grade a session JSON with a wrong field", "not a valid session export: field 'problem", argv=("grade", "{file}"), file=b'{"problem": 1, "turns": []}'),
    Bad("file", "grade a report JSON", "is a report, not a session", argv=("grade", "{file}"), file=b'{"kind": "interviewer-report", "steps": []}'),
    Bad("file", "export a JSON that is not a report", "not an interviewer report", argv=("export", "{file}"), file=b'{"hello": 1}'),
    Bad("file", "export a report of a future schema", "schema version 99 is not supported", argv=("export", "{file}"), file=b'{"kind": "interviewer-report", "schema_version": 99}'),
    # --- model replies (through tests/fakeserver.py) -----------------------------------
    Bad("reply", "HTTP 500 on a reply", "failed (HTTP 500)", argv=(*INTERVIEW, *MODEL), reply=Reply(status=500, error="overloaded: internal trace"), never="internal trace"),
    Bad("reply", "HTTP 503 on a reply", "failed (HTTP 503)", argv=(*INTERVIEW, *MODEL), reply=Reply(status=503, error="down")),
    Bad("reply", "HTTP 429 with Retry-After: 20", "rate limited (HTTP 429)", argv=(*INTERVIEW, *MODEL), reply=Reply(status=429, headers={"Retry-After": "20"})),
    Bad("reply", "HTTP 401 echoing a key fragment (sk-CANAR****)", "rejected the API key (HTTP 401)", argv=(*INTERVIEW, *MODEL), env={"INTERVIEWER_API_KEY": KEY}, reply=Reply(status=401, error="Incorrect API key provided: sk-CANAR****7890"), never="CANAR"),
    Bad("reply", "HTTP 404 (no such model)", "was not found (HTTP 404)", argv=(*INTERVIEW, *MODEL), reply=Reply(status=404, error="model not found")),
    Bad("reply", "an empty reply (whitespace only)", "sent an empty reply", argv=(*INTERVIEW, *MODEL), reply=Reply(text="   ")),
    Bad("reply", "the connection dropped before a reply", "Could not reach the model server", argv=(*INTERVIEW, *MODEL), reply=Reply(drop=True)),
    # --- URL parameters of the app (streamlit AppTest) -------------------------------
    Bad("url", "?session=does-not-exist", "No saved interview has the id 'does-not-exist'", query={"session": "does-not-exist"}),
    Bad("url", "?session=<script>alert(1)</script>", "No saved interview matches this link", query={"session": "<script>alert(1)</script>"}, never="<script>"),
    Bad("url", "?session=a crafted message with a URL", "No saved interview matches this link", query={"session": "Your account is locked, sign in at https://evil.example"}, never="evil.example"),
    Bad("url", "?view=report&session=nope", "No saved interview has the id 'nope'", query={"view": "report", "session": "nope"}),
    Bad("url", "?session= + 5,000 characters", "No saved interview matches this link", query={"session": "a" * 5000}),
]  # fmt: skip


def _case_id(case: Bad) -> str:
    return f"{case.kind}: {case.given}"[:80]


# --- what is stored, before and after ------------------------------------------------


def seed(data_dir: Path, fw: Framework) -> str:
    """One stored interview, so "nothing changed" has something to change."""
    store = Store(data_dir)
    s = new_session(fw)
    s.turns.append(turn("interviewer", "What are we building?", 1))
    s.turns.append(turn("candidate", "An email composer for 300M users.", 1))
    store.save(s)
    return s.id


def snapshot(data_dir: Path) -> tuple[list[str], list[str]]:
    """The store's rows and the other files (the log, SQLite's -wal/-shm aside)."""
    with sqlite3.connect(data_dir / "interviewer.db") as db:
        rows = [line for line in db.iterdump() if not line.startswith('INSERT INTO "migrations"')]
    files = sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and p.name != "interviewer.log" and not p.name.endswith(("-wal", "-shm"))
    )
    return rows, files


def _everything(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(argv, stdin=io.StringIO(stdin), out=out, err=err)
    except SystemExit as exc:  # argparse refuses before main's handlers
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, out.getvalue() + err.getvalue() + captured.out + captured.err


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c.kind != "url"], ids=_case_id)
def test_bad_cli_input_is_refused_cleanly(
    case: Bad,
    data_dir: Path,
    fw: Framework,
    fake_llm: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seeded = seed(data_dir, fw)
    before = snapshot(data_dir)
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "input"
    if case.file is not None:
        path.write_bytes(case.file)
    if case.reply is not None:
        fake_llm.script("Welcome. What are we building?", case.reply)
    argv = [a.replace("{server}", fake_llm.base_url).replace("{file}", str(path)) for a in case.argv]
    stdin = "First answer.\n\nSecond answer.\n\nThird answer.\n"
    code, shown = run_cli(argv, capsys, stdin)

    assert code == 2, shown
    assert case.says in shown, shown
    assert "Traceback" not in shown
    assert not (ROOT / "interviewer.db").exists()
    if case.never:
        assert case.never not in shown
        assert case.never.encode() not in _everything(data_dir)
    if case.kind != "reply":
        assert snapshot(data_dir) == before
        return
    # A failed reply stores no interviewer turn; the answer before it is kept,
    # and so are the piped answers after it.
    store = Store(data_dir)
    [summary] = [r for r in store.list_sessions() if r.id != seeded]
    s = store.load(summary.id)
    assert [t.role for t in s.turns] == ["interviewer", "candidate"]
    assert s.turns[0].text.endswith("Welcome. What are we building?") and s.turns[1].text == "First answer."
    assert s.awaiting_reply()
    unsent = data_dir / "unsent" / f"{s.id}.txt"
    assert unsent.read_text(encoding="utf-8") == "Second answer.\n\nThird answer.\n"
    assert f"resume {s.id} < {unsent}" in shown


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c.kind == "url"], ids=_case_id)
def test_bad_url_parameters_fall_back_to_the_start_page(case: Bad, data_dir: Path, fw: Framework) -> None:
    seed(data_dir, fw)
    before = snapshot(data_dir)
    at = ok(new_app(**case.query).run())
    shown = "\n".join(str(e.value) for kind in ("warning", "error", "info") for e in at.main.get(kind))
    assert case.says in shown.replace("\\", ""), shown
    if case.never:
        assert case.never not in shown
    assert snapshot(data_dir) == before


# --- the doc -------------------------------------------------------------------------

KIND_TITLES = {
    "setting": "setting",
    "flag": "CLI flag",
    "file": "imported file",
    "reply": "model reply",
    "url": "app URL",
}


def doc_table() -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| # | kind | bad input | observed (the message says) |", "| --- | --- | --- | --- |"]
    for n, case in enumerate(BAD_INPUTS, start=1):
        lines.append(f"| {n} | {KIND_TITLES[case.kind]} | `{cell(case.given)}` | {cell(case.says)} |")
    return "\n".join(lines)


def test_the_table_has_at_least_40_bad_inputs_of_every_kind() -> None:
    assert len(BAD_INPUTS) >= 40
    assert {c.kind for c in BAD_INPUTS} == set(KIND_TITLES)
    assert len({c.given for c in BAD_INPUTS}) == len(BAD_INPUTS)


def test_the_reliability_doc_lists_every_bad_input() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    wanted = f"{head}{START}\n{doc_table()}\n{END}{tail}"
    if os.environ.get("UPDATE_DOCS"):
        DOC.write_text(wanted, encoding="utf-8")
        text = wanted
    assert text == wanted, "docs/reliability.md is out of date: UPDATE_DOCS=1 python -m pytest tests/test_bad_inputs.py"


# --- faults that must keep data ---------------------------------------------------------


def _interview_offline(capsys: pytest.CaptureFixture[str]) -> str:
    answers = "\n\n".join(f"We serve 300M users; p99 under 100 ms; answer {i}." for i in range(6))
    code, shown = run_cli([*INTERVIEW, "--offline"], capsys, answers + "\n")
    assert code == 0, shown
    return shown.split("Session id: ")[1].split()[0]


def test_a_failed_regrade_keeps_the_latest_good_report(
    data_dir: Path, fake_llm: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = _interview_offline(capsys)
    code, shown = run_cli(["grade", sid, "--offline", "--format", "json"], capsys)
    assert code == 0 and "Saved the report" in shown
    good = Store(data_dir).latest_report(sid)
    assert good is not None

    fake_llm.default = Reply(status=500, error="down")
    code, shown = run_cli(["grade", sid, "--model", "openai/scripted", "--api-base", fake_llm.base_url], capsys)
    assert code == 1 and "no step could be graded" in shown
    assert "it is not saved: the report of" in shown and "is kept" in shown
    latest = Store(data_dir).latest_report(sid)
    assert latest is not None and latest.id == good.id
    code, shown = run_cli(["export", sid, "--format", "json"], capsys)
    assert code == 0 and '"offline": true' in shown and "not graded" not in shown


def test_a_regrade_that_grades_fewer_steps_does_not_replace(fw: Framework, data_dir: Path) -> None:
    from interviewer.grader import grade_session
    from interviewer.results import graded_steps, replaces

    s = new_session(fw)
    s.turns += [turn("interviewer", "Who are the users?", 1), turn("candidate", "300M users, p99 100 ms.", 1)]
    good = grade_session(fw, s, None)
    assert graded_steps(good) == 1 and replaces(good, None)
    steps = [st.model_copy(update={"status": "not graded"}) if st.step == 1 else st for st in good.steps]
    failed = good.model_copy(update={"steps": steps})
    assert not replaces(failed, good) and not replaces(failed, None)
    assert replaces(good, good)


def test_missing_provider_key_is_named_and_not_retried(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERVIEWER_RETRIES", "3")
    code, shown = run_cli([*INTERVIEW, "--model", "gpt-4o-mini"], capsys, "hello\n")
    assert code == 2 and "No API key for gpt-4o-mini" in shown and "OPENAI_API_KEY" in shown
    assert "HTTP 500" not in shown and "Traceback" not in shown
    log = (data_dir / "interviewer.log").read_text(encoding="utf-8")
    assert "attempt 1" in log and "attempt 2" not in log


def test_tilde_in_the_data_dir_is_the_same_folder_for_cli_and_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", "~/practice")
    sid = _interview_offline(capsys)
    assert (tmp_path / "practice" / "interviewer.db").is_file() and not Path("~").exists()
    code, shown = run_cli(["--data-dir", "~/practice", "sessions"], capsys)
    assert code == 0 and sid in shown
    from interviewer.settings import load_settings

    assert load_settings().data_dir == tmp_path / "practice"  # what the app's store() opens
    at = ok(new_app(session=sid).run())
    assert any("Report" in t.value for t in at.title)


def _read_only_runner(folder: Path) -> list[str] | None:
    """A command prefix that runs a program with ``folder`` read-only, or None."""
    import shutil
    import subprocess

    if os.geteuid() != 0:
        folder.chmod(0o555)
        for p in folder.iterdir():
            p.chmod(0o444)
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return None
    return [unshare, "-m", "sh", "-c", f'mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && exec "$@"', "sh"]  # fmt: skip


def test_a_read_only_data_dir_still_lists_sessions(
    data_dir: Path, fw: Framework, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    sid = _interview_offline(capsys)
    from interviewer.store import dispose_engines

    dispose_engines()  # checkpoint and close, as a finished CLI run leaves it
    prefix = _read_only_runner(data_dir)
    if prefix is None:
        pytest.skip("cannot make a folder read-only here (root without mount namespaces)")
    env = {**os.environ, "INTERVIEWER_DATA_DIR": str(data_dir)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "interviewer", *args],
            cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    try:
        listing = run("sessions")
        assert listing.returncode == 0, listing.stderr
        assert sid in listing.stdout and "ended" in listing.stdout
        graded = run("grade", sid, "--offline", "--format", "json")
        assert graded.returncode == 0 and '"offline": true' in graded.stdout
        assert "read-only" in graded.stderr and "Traceback" not in graded.stderr
        new = run(*INTERVIEW, stdin="hello\n")
        assert new.returncode == 2 and "read-only" in new.stderr and "Traceback" not in new.stderr
    finally:
        if os.geteuid() != 0:
            data_dir.chmod(0o755)
    assert [r.id for r in Store(data_dir).list_sessions()] == [sid]


def test_the_apps_grade_again_keeps_the_report_when_the_model_fails(
    data_dir: Path, fw: Framework, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interviewer.grader import grade_session
    from interviewer.session import utcnow

    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    store = Store(data_dir)
    s = new_session(fw, grader_model="openai/scripted", api_base=fake_llm.base_url)
    s.turns += [turn("interviewer", "Who are the users?", 1), turn("candidate", "300M users, p99 100 ms.", 1)]
    s.ended_at = utcnow()
    store.save(s)
    good = grade_session(fw, s, None)
    rid = store.save_report(s.id, good.model_dump(mode="json"), good.overall_score)

    fake_llm.default = Reply(status=500, error="down")
    at = ok(new_app(session=s.id).run())
    again = [b for b in at.button if "Grade again" in b.label]
    assert again
    ok(again[0].click().run())
    warnings = " ".join(w.value for w in at.main.warning)
    assert "could be graded" in warnings and "earlier report" in warnings and "is kept" in warnings
    assert fake_llm.chat_requests  # the model was asked, and failed
    latest = Store(data_dir).latest_report(s.id)
    assert latest is not None and latest.id == rid

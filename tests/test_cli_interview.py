"""`python -m interviewer interview | sessions | resume`, run as a user would."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

from fakeserver import Reply
from helpers import run_interviewer
from servers import free_port

from interviewer.store import Store

ROOT = Path(__file__).resolve().parent.parent
ANSWER = (
    "We serve 300M users with p99 latency under 100ms; a distilled transformer with int8 quantization, "
    "acceptance rate as the metric, human eval and an A/B test, a Redis cache, canary rollout and monitoring."
)


def run_cli(args: list[str], data_dir: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "INTERVIEWER_DATA_DIR": str(data_dir), **env}
    return run_interviewer(args, full_env, stdin)


def session_id(stdout: str) -> str:
    found = re.findall(r"(?:Session id:|interviewer resume) ([0-9a-f]{12})", stdout)
    assert found, stdout[-500:]
    return found[-1]


def test_offline_interview_runs_all_seven_steps(data_dir: Path) -> None:
    stdin = "\n\n".join(f"{ANSWER} (answer {i})" for i in range(80)) + "\n"
    result = run_cli(["interview", "--problem", "email-composer", "--offline"], data_dir, stdin)
    assert result.returncode == 0, result.stderr
    assert "Offline mode" in result.stdout
    for n, title in enumerate(["Clarify requirements", "Frame it as an ML problem", "Data collection"], start=1):
        assert f"Step {n} of 7 — {title}" in result.stdout
    assert "Step 7 of 7 — Deployment and monitoring" in result.stdout
    assert "**" not in result.stdout  # Markdown emphasis is not printed raw
    sid = session_id(result.stdout)
    s = Store(data_dir).load(sid)
    assert s.ended and {t.step for t in s.turns} == set(range(1, 8))
    assert s.turns[-1].kind == "closing"


def test_piped_paragraphs_are_one_answer_each(data_dir: Path) -> None:
    stdin = "First line of answer one\nsecond line of answer one\n\nAnswer two\n"
    result = run_cli(["interview", "--problem", "code-completion"], data_dir, stdin)
    assert result.returncode == 0, result.stderr
    s = Store(data_dir).load(session_id(result.stdout))
    candidate = [t.text for t in s.turns if t.role == "candidate"]
    assert candidate == ["First line of answer one\nsecond line of answer one", "Answer two"]


def test_interview_against_an_openai_compatible_server(data_dir: Path, fake_llm) -> None:
    fake_llm.script("Welcome! What are we building?", "Good. Who are the users?", "And the latency budget?")
    result = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/scripted", "--api-base", fake_llm.base_url],
        data_dir,
        "An email autocomplete.\n\nConsumers, 300M of them.\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Offline" not in result.stdout
    assert "Who are the users?" in result.stdout and "And the latency budget?" in result.stdout
    s = Store(data_dir).load(session_id(result.stdout))
    assert s.model == "openai/scripted" and s.usage.calls == 3
    assert len(fake_llm.chat_requests) == 3 and all(r.body["stream"] for r in fake_llm.chat_requests)


def test_unreachable_model_names_server_keeps_turn_and_resumes(data_dir: Path, fake_llm) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    env = {"INTERVIEWER_RETRIES": "0"}
    result = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/scripted", "--api-base", dead],
        data_dir,
        "hello\n",
        **env,
    )
    assert result.returncode == 2
    assert dead in result.stderr and "Traceback" not in result.stderr + result.stdout
    [summary] = Store(data_dir).list_sessions()
    # Opening failed: the session exists and can be resumed against a live server.
    fake_llm.script("Welcome back. What are we building?", "Noted. Scale?")
    resumed = run_cli(["resume", summary.id, "--api-base", fake_llm.base_url], data_dir, "A composer.\n")
    assert resumed.returncode == 0, resumed.stderr
    s = Store(data_dir).load(summary.id)
    assert [t.role for t in s.turns] == ["interviewer", "candidate", "interviewer"]
    # The switch of server is written into the session, before the first reply.
    assert [(n.text, n.before) for n in s.notices] == [
        (f"Model switched to `openai/scripted` (server: {fake_llm.base_url})", 0)
    ]
    # ... and said in the terminal, in plain text, before the opening it produced.
    said = f"(Model switched to openai/scripted (server: {fake_llm.base_url}))\n"
    assert said in resumed.stdout and resumed.stdout.index(said) < resumed.stdout.index("Welcome back")


def test_model_error_mid_interview_keeps_the_answer(data_dir: Path, fake_llm) -> None:
    fake_llm.script("Welcome. What are we building?", Reply(status=500, error="overloaded"))
    result = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/scripted", "--api-base", fake_llm.base_url],
        data_dir,
        "My precious answer\n",
        INTERVIEWER_RETRIES="0",
    )
    assert result.returncode == 2 and "HTTP 500" in result.stderr and "answer is saved" in result.stderr
    assert "overloaded" not in result.stderr  # the server's body is never echoed
    [summary] = Store(data_dir).list_sessions()
    s = Store(data_dir).load(summary.id)
    assert s.turns[-1].text == "My precious answer" and s.awaiting_reply()


def test_quit_pauses_and_sessions_lists_it(data_dir: Path) -> None:
    result = run_cli(["interview", "--problem", "image-generator", "--level", "staff"], data_dir, "Images.\n\n/quit\n")
    assert result.returncode == 0 and "Resume with" in result.stdout
    listing = run_cli(["sessions"], data_dir)
    assert (
        "Creative image generator" in listing.stdout and "in progress" in listing.stdout and "staff" in listing.stdout
    )
    sid = session_id(result.stdout)
    resumed = run_cli(["resume", sid], data_dir, "More about images.\n")
    assert resumed.returncode == 0 and f"Resuming {sid}" in resumed.stdout
    assert len(Store(data_dir).load(sid).turns) == 5


def test_resume_errors_are_clear(data_dir: Path) -> None:
    result = run_cli(["resume", "does-not-exist"], data_dir)
    assert result.returncode == 2 and "No session 'does-not-exist'" in result.stderr
    ended = run_cli(["interview", "--problem", "email-composer"], data_dir, "x\n")
    again = run_cli(["resume", session_id(ended.stdout)], data_dir)
    assert again.returncode == 2 and "has ended" in again.stderr


def test_api_key_never_reaches_disk(data_dir: Path, fake_llm) -> None:
    secret = "sk-SECRET-never-on-disk-123"
    fake_llm.script("Welcome.", "Next question?")
    result = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/scripted", "--api-base", fake_llm.base_url],
        data_dir,
        "answer\n",
        INTERVIEWER_API_KEY=secret,
    )
    assert result.returncode == 0
    assert fake_llm.chat_requests[0].headers["authorization"] == f"Bearer {secret}"
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret not in result.stdout + result.stderr


def test_bad_model_setting_in_env_is_a_clear_error(data_dir: Path) -> None:
    result = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/x"], data_dir, "", INTERVIEWER_TIMEOUT="soon"
    )
    assert result.returncode == 2 and "INTERVIEWER_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_text_drops_emphasis_split_across_chunks() -> None:
    from interviewer.cli import PlainText

    text = PlainText()
    pieces = [text.feed(c) for c in ["*", "*Step 1 of 7", " — Clarify*", "*\n\nWhat ", "is 2 * 3?*"]]
    assert "".join(pieces) + text.flush() == "Step 1 of 7 — Clarify\n\nWhat is 2 * 3?*"


def test_resume_owed_reply_against_a_dead_server_claims_nothing(data_dir: Path, fake_llm) -> None:
    fake_llm.script("Welcome. What are we building?", Reply(status=500, error="overloaded"))
    first = run_cli(
        ["interview", "--problem", "email-composer", "--model", "openai/scripted", "--api-base", fake_llm.base_url],
        data_dir,
        "My precious answer\n",
        INTERVIEWER_RETRIES="0",
    )
    assert first.returncode == 2 and "Your answer is saved" in first.stderr
    [summary] = Store(data_dir).list_sessions()
    dead = f"http://127.0.0.1:{free_port()}/v1"
    again = run_cli(["resume", summary.id, "--api-base", dead], data_dir, "", INTERVIEWER_RETRIES="0")
    assert again.returncode == 2
    assert "owes a reply to" in again.stdout and "You: My precious answer" in again.stdout
    assert f"You: My precious answer\n(Model switched to openai/scripted (server: {dead}))\n" in again.stdout
    assert "Interviewer:" not in again.stdout  # no empty label for a reply that never came
    assert "Your answer is saved" not in again.stderr and "Nothing is lost" in again.stderr


def test_resume_of_a_graded_session_points_to_its_report(data_dir: Path) -> None:
    ended = run_cli(["interview", "--problem", "email-composer"], data_dir, "Who are the users?\n")
    sid = session_id(ended.stdout)
    graded = run_cli(["grade", sid, "--offline"], data_dir)
    assert graded.returncode == 0, graded.stderr
    again = run_cli(["resume", sid], data_dir)
    assert again.returncode == 2
    assert "graded" in again.stderr and f"python -m interviewer export {sid}" in again.stderr
    assert "grade it with" not in again.stderr
    listing = run_cli(["sessions"], data_dir)
    assert "graded" in listing.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ending_at_a_terminal_offers_to_grade(data_dir: Path) -> None:
    from interviewer.cli import main

    out, err = io.StringIO(), io.StringIO()
    stdin = _Terminal("Who are the users, and at what scale?\n/end\n\n")
    code = main(
        ["--data-dir", str(data_dir), "interview", "--problem", "email-composer"], stdin=stdin, out=out, err=err
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "Grade it now? [Y/n]" in text and "Rubric coverage: " in text  # offline: a coverage check, no score
    sid = session_id(text)
    assert Store(data_dir).latest_report(sid) is not None
    assert f"python -m interviewer export {sid}" in text

    declined = io.StringIO()
    main(
        ["--data-dir", str(data_dir), "interview", "--problem", "email-composer"],
        stdin=_Terminal("An answer.\n/end\nn\n"),
        out=declined,
        err=io.StringIO(),
    )
    assert "Grade it later with: python -m interviewer grade" in declined.getvalue()
    assert Store(data_dir).latest_report(session_id(declined.getvalue())) is None


def test_sessions_is_paged_and_says_how_many(data_dir: Path) -> None:
    from helpers import new_session

    from interviewer.framework import framework

    fw, store = framework(), Store(data_dir)
    for _ in range(105):
        store.save(new_session(fw))
    first = run_cli(["sessions"], data_dir)
    assert first.returncode == 0, first.stderr
    assert len([line for line in first.stdout.splitlines() if "Smart email composer" in line]) == 100
    assert "Sessions 1-100 of 105, newest first. Next: python -m interviewer sessions --page 2" in first.stdout
    second = run_cli(["sessions", "--page", "2"], data_dir)
    assert len([line for line in second.stdout.splitlines() if "Smart email composer" in line]) == 5
    assert "Sessions 101-105 of 105" in second.stdout and "Next:" not in second.stdout
    assert "No page 3: 105 sessions make 2 pages." in run_cli(["sessions", "--page", "3"], data_dir).stdout
    refused = run_cli(["sessions", "--page", "0"], data_dir)
    assert refused.returncode == 2 and "page must be a whole number from 1" in refused.stderr

"""The CLI's content commands: problems, topics, show, rubric.

Exit codes, stderr and "no traceback" are checked through a real subprocess
(``python -m interviewer`` from the repository root), exactly as a user runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_interviewer

ROOT = Path(__file__).resolve().parent.parent

SEED_PROBLEMS = {
    "email-composer",
    "code-completion",
    "customer-service-assistant",
    "image-generator",
    "news-summarizer",
}
# A hidden detail of email-composer: only `show --all` may print it.
HIDDEN_DETAIL = "400k suggestion requests per second"
STRONG_ANSWER_POINT = "Replaces PII with typed placeholders"


def run(
    *args: str, tmp_path: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    if tmp_path is not None:
        env["INTERVIEWER_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra_env or {})
    return run_interviewer(list(args), env, timeout=60)


def ok_json(*args: str, tmp_path: Path) -> object:
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def assert_usage_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "error:" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# --- listing --------------------------------------------------------------------


def test_problems_json(tmp_path: Path) -> None:
    problems = ok_json("problems", "--json", tmp_path=tmp_path)
    assert isinstance(problems, list) and len(problems) >= 15
    assert all(p["id"] and p["title"] for p in problems)
    ids = {p["id"] for p in problems}
    assert ids >= SEED_PROBLEMS
    assert len(ids) == len(problems)
    by_id = {p["id"]: p for p in problems}
    assert by_id["email-composer"]["title"] == "Smart email composer"
    # The listing is what a candidate may see: no hidden details.
    assert "hidden" not in by_id["email-composer"]
    assert HIDDEN_DETAIL not in json.dumps(problems)


def test_problems_text(tmp_path: Path) -> None:
    result = run("problems", tmp_path=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) >= 15
    assert any(line.startswith("email-composer ") and "Smart email composer" in line for line in lines)


def test_topics_json(tmp_path: Path) -> None:
    topics = ok_json("topics", "--json", tmp_path=tmp_path)
    assert isinstance(topics, list) and len(topics) >= 40
    for t in topics:
        assert t["id"] and t["theme"] and t["question"]
        assert t["steps"] and all(1 <= s <= 7 for s in t["steps"])
    assert sum(1 for t in topics if t["source"] == "seed") == 16


def test_topics_for_one_step(tmp_path: Path) -> None:
    every = ok_json("topics", "--json", tmp_path=tmp_path)
    step3 = ok_json("topics", "--step", "3", "--json", tmp_path=tmp_path)
    assert step3, "no topic for step 3"
    assert all(3 in t["steps"] for t in step3)
    assert {t["id"] for t in step3} == {t["id"] for t in every if 3 in t["steps"]}
    assert len(step3) < len(every)


def test_topics_text_groups_by_theme(tmp_path: Path) -> None:
    result = run("topics", "--step", "7", tmp_path=tmp_path)
    assert result.returncode == 0
    assert "[reliability-drift-diagnosis]" in result.stdout
    assert "[latency-realtime-vs-batch]" not in result.stdout  # steps 1 and 6 only


# --- show ---------------------------------------------------------------------------


def test_show_hides_hidden_details(tmp_path: Path) -> None:
    result = run("show", "email-composer", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Smart email composer" in out
    assert "We run a large webmail product" in out  # opening prompt
    assert "Key requirements:" in out and "No memorisation or cross-user leakage" in out
    assert HIDDEN_DETAIL not in out
    assert STRONG_ANSWER_POINT not in out
    assert "--all" in out  # tells the user how to see them


def test_show_all_reveals_hidden_details(tmp_path: Path) -> None:
    result = run("show", "email-composer", "--all", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert HIDDEN_DETAIL in result.stdout
    assert STRONG_ANSWER_POINT in result.stdout
    for n in range(1, 8):
        assert f"Step {n} " in result.stdout


def test_show_json_with_and_without_all(tmp_path: Path) -> None:
    plain = ok_json("show", "email-composer", "--json", tmp_path=tmp_path)
    assert isinstance(plain, dict)
    assert plain["id"] == "email-composer" and plain["opening_prompt"] and plain["key_requirements"]
    assert "hidden" not in plain and "strong_answer" not in plain
    assert HIDDEN_DETAIL not in json.dumps(plain)
    full = ok_json("show", "email-composer", "--all", "--json", tmp_path=tmp_path)
    assert isinstance(full, dict)
    assert HIDDEN_DETAIL in full["hidden"]["users_and_scale"]
    assert sorted(full["strong_answer"]) == [str(n) for n in range(1, 8)]


def test_show_unknown_problem(tmp_path: Path) -> None:
    result = run("show", "no-such-problem", tmp_path=tmp_path)
    assert_usage_error(result, "no-such-problem", "python -m interviewer problems")
    assert result.stderr.count("\n") == 1  # one clear line


# --- rubric ---------------------------------------------------------------------------


def test_rubric_text(tmp_path: Path) -> None:
    result = run("rubric", "2", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Step 2 of 7")
    for name in ("ML task formulation", "Inputs and outputs", "Success metrics", "Failure modes and edge cases"):
        assert name in out
    assert "Red flags" in out


def test_rubric_json(tmp_path: Path) -> None:
    rubric = ok_json("rubric", "5", "--json", tmp_path=tmp_path)
    assert isinstance(rubric, dict)
    assert rubric["step"] == 5
    assert 3 <= len(rubric["criteria"]) <= 5
    for c in rubric["criteria"]:
        assert sorted(c["scores"]) == ["1", "2", "3", "4", "5"]  # by alias, as in the YAML


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["rubric", "9"], "step must be 1-7"),
        (["rubric", "0"], "step must be 1-7"),
        (["rubric", "two"], "step must be a number"),
        (["rubric"], "required"),
        (["topics", "--step", "x"], "step must be a number"),
        (["topics", "--step", "8"], "step must be 1-7"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["problems", "--bogus"], "unrecognized arguments"),
        (["show"], "required"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_arguments_exit_2_without_traceback(tmp_path: Path, args: list[str], fragment: str) -> None:
    assert_usage_error(run(*args, tmp_path=tmp_path), fragment, "usage:")


def test_data_dir_is_a_global_option(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    result = run("--data-dir", str(data), "problems", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) >= 15
    result = run("--data-dir", str(data), "rubric", "1")
    assert result.returncode == 0, result.stderr


# --- startup cost -------------------------------------------------------------------------

_PROBE = """
import sys, io, contextlib
from interviewer.cli import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    try:
        main({argv!r})
    except SystemExit:
        pass
heavy = sorted(m for m in ("litellm", "openai", "tiktoken", "streamlit", "jinja2") if m in sys.modules)
print(",".join(heavy) or "none")
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["problems"], ["topics", "--step", "2"], ["show", "email-composer"], ["rubric", "4"]]
)
def test_content_commands_do_not_import_litellm(tmp_path: Path, argv: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    env["INTERVIEWER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "none"


def test_help_is_fast(tmp_path: Path) -> None:
    start = time.perf_counter()
    result = run("--help", tmp_path=tmp_path)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0
    assert "problems" in result.stdout and "rubric" in result.stdout
    # Typically ~0.3 s; litellm alone takes seconds to import.
    assert elapsed < 5, f"--help took {elapsed:.1f}s"


def test_help_import_time_excludes_heavy_modules(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    env["INTERVIEWER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "interviewer", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "interviewer.cli" in imported
    assert not {m for m in imported if m.split(".")[0] in {"litellm", "openai"}}
